/**
 * What topics hold in this process, for tests.
 * @module
 */
import { Hub, type Topics } from "./topics.ts";

/**
 * What topics hold in this process: logs, their readers, the readers waiting for an
 * event, and runs; of the topic `name` alone if given. For tests that prove a reader that
 * left is forgotten. @internal
 */
export function topicsState(of: Topics, name?: string): { logs: number; readers: number; waiting: number; runs: number } {
  if (!(of instanceof Hub)) throw new TypeError("sluice: topicsState() takes what topics() returned.");
  let readers = 0;
  let waiting = 0;
  for (const [topic, { log }] of of.logs) {
    if (name !== undefined && topic !== name) continue;
    readers += log.readers;
    waiting += log.waiting;
  }
  return { logs: of.logs.size, readers, waiting, runs: of.runs.size };
}
