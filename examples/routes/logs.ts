/**
 * GET /logs: a log tail as NDJSON, one JSON object per line, written as the entries
 * "happen". Read it with `readNdjson` from sluice/client.
 * @module
 */
import { ndjsonResponse } from "../../src/index.ts";
import { sleep } from "../sleep.ts";

/** One line of the log. */
export interface LogEntry {
  seq: number;
  time: string;
  level: "info" | "warn" | "error";
  msg: string;
}

/** ms between two entries. */
const ENTRY_INTERVAL_MS = 150;

const MESSAGES: readonly [LogEntry["level"], string][] = [
  ["info", "GET /sse 200: EventSource connected"],
  ["info", "GET /report 200: streaming 5 sections"],
  ["info", "GET /download 200: 4 MiB, paced"],
  ["warn", "GET /download: client paused, body cancelled"],
  ["info", "GET /download 206: resumed with Range"],
  ["info", "GET /sse 200: reconnect with Last-Event-ID 20"],
  ["error", "GET /fail: producer threw, response cut off"],
  ["info", "GET /logs 200: tail started"],
];

/** The entries the log tail sends, in order. */
export const LOG_ENTRIES = 15;

/** Answers GET /logs. */
export function logsRoute(request: Request): Response {
  return ndjsonResponse(
    async function* (signal) {
      for (let seq = 1; seq <= LOG_ENTRIES; seq++) {
        await sleep(ENTRY_INTERVAL_MS, signal);
        const [level, msg] = MESSAGES[(seq - 1) % MESSAGES.length]!;
        const entry: LogEntry = { seq, time: new Date().toISOString(), level, msg };
        yield entry;
      }
    },
    { signal: request.signal },
  );
}
