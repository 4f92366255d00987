/**
 * `topic.run(producer)`: a producer driven by no request, publishing into its topic, so
 * clients that come and go all read the one run.
 * @module
 */
import { checkNonNegative, describe, quote } from "./_messages.ts";
import { runTimeoutReason, stopReason } from "./_reasons.ts";
import { prepareSource, settle, type Cursor } from "./_source.ts";
import { unref } from "./_timers.ts";
import { StreamAbortError } from "./errors.ts";
import type { SSEItem } from "./sse.ts";
import type { Topic } from "./topics.ts";
import type { Producer } from "./types.ts";

/** A run of a producer into a topic. */
export interface TopicRun {
  /** Aborts the producer's signal and calls its `return()` (its `finally` runs); the topic then ends cleanly. */
  stop(): void;
  /**
   * Settles once the producer has finished and the topic's end (or failure) is published:
   * resolves when it ended or was stopped; rejects with what it threw, or with a
   * `StreamAbortError` of type `"timeout"` (or `"shutdown"` when the topics were closed),
   * after failing the topic. Nothing is reported as unhandled if nobody awaits it.
   */
  readonly done: Promise<void>;
}

/** A run as the topics hold it: one per topic at a time, and stopped when they close. */
export interface ActiveRun extends TopicRun {
  abort(reason: unknown): void;
}

/** A store's claim on a topic's run across processes (`TopicStore.claim`). */
export type Claim = (topic: string, lost: (error: unknown) => void) => Promise<() => Promise<void>>;

/** Starts `producer` for `topic`; throws if the topic already has a run in this process. */
export function startRun(
  topic: Topic,
  runs: Map<string, ActiveRun>,
  producer: Producer<SSEItem>,
  options: { timeout?: number } | undefined,
  claim?: Claim,
): TopicRun {
  if (typeof producer !== "function") {
    throw new TypeError(
      `sluice: run() takes a producer function (signal) => async iterable, got ${describe(producer)}. ` +
        "Wrap a generator object in a function: run(async function* (signal) { ... }).",
    );
  }
  const timeout = checkNonNegative("timeout", options?.timeout, "ms");
  if (runs.has(topic.name)) {
    throw new Error(
      `sluice: topic ${quote(topic.name)} already has a run in progress; a producer runs once. ` +
        "Clients resume it with topic.sseResponse(request).",
    );
  }
  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const done = claimed(topic, claim, abort, () => drive(topic, producer, controller.signal, timeout, abort)).finally(() =>
    runs.delete(topic.name),
  );
  done.catch(() => {}); // reported to whoever awaits it; never an unhandled rejection
  const run: ActiveRun = { stop: () => abort(stopReason(topic.name)), abort, done };
  runs.set(topic.name, run);
  return { stop: run.stop, done };
}

/** Runs `drive` once the store's claim (if it has claims) is held, and releases it after. */
async function claimed(topic: Topic, claim: Claim | undefined, abort: (reason: unknown) => void, drive: () => Promise<void>) {
  if (claim === undefined) return drive();
  await undefined; // the run is registered before the claim is asked for
  const release = await claim(topic.name, abort);
  try {
    await drive();
  } finally {
    await release();
  }
}

async function drive(
  topic: Topic,
  producer: Producer<SSEItem>,
  signal: AbortSignal,
  timeout: number | undefined,
  abort: (reason: unknown) => void,
): Promise<void> {
  await undefined; // the run is registered before the producer starts
  const timer = timeout ? unref(setTimeout(() => abort(runTimeoutReason(topic.name, timeout)), timeout)) : undefined;
  let cursor: Cursor<SSEItem> | undefined;
  let finished = false;
  const close = (reason: unknown) => {
    if (cursor === undefined || finished) return;
    finished = true;
    const closing = cursor;
    settle(() => closing.close(reason)); // a throwing return() is the producer's own failure; the run is over either way
  };
  const onAbort = () => close(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let failure: { error: unknown } | undefined;
  try {
    cursor = prepareSource(producer).open(signal);
    for (;;) {
      const result = await cursor.next();
      if (result.done) finished = true;
      if (result.done || signal.aborted) break;
      await topic.publish(result.value);
    }
  } catch (error) {
    failure = { error };
    close(error);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
  if (signal.aborted) {
    const reason = signal.reason;
    close(reason);
    if (reason instanceof StreamAbortError && reason.type === "stop") return topic.end();
    await topic.fail();
    throw reason;
  }
  if (failure) {
    await topic.fail();
    throw failure.error;
  }
  await topic.end();
}
