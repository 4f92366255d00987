/**
 * Every error class sluice throws, in one place (the wording of messages: `_messages.ts`).
 *
 * Misuse (a bad chunk, a bad SSE field, a bad option) is reported with the built-in
 * `TypeError` / `RangeError`, so `instanceof` checks written for the platform keep
 * working; the message quotes the bad value and names the fix. Ends that sluice causes
 * itself (a timeout, a stalled client, a server shutting down) are a {@link StreamAbortError},
 * which is also the `reason` of the `AbortSignal` handed to a producer.
 *
 * @module
 */
import { quote } from "./_messages.ts";

/** Why a stream was ended before its source finished. */
export type StreamAbortType = "disconnect" | "timeout" | "write-timeout" | "shutdown" | "stop";

/**
 * The reason a stream was ended before its source finished, and the `reason` of the
 * `AbortSignal` handed to its producer (and of `request.signal` on every adapter):
 *
 * - `"disconnect"`: the client went away before the response was complete.
 * - `"timeout"`: the body lived longer than its `timeout` option.
 * - `"write-timeout"`: the consumer took nothing for `writeTimeout` (a stalled client).
 * - `"shutdown"`: the server was closed while the stream was open (or the topics, for a run).
 * - `"stop"`: a topic's run was stopped with `stop()`.
 *
 * `name` is `"AbortError"` for a disconnect (as for any aborted fetch), `"TimeoutError"`
 * for both timeouts (like the `DOMException` of `AbortSignal.timeout()`), `"ShutdownError"`
 * for a shutdown and `"AbortError"` for a stop, so checks of `error.name` keep working.
 *
 * @example
 * ```ts
 * streamingResponse(async function* (signal) {
 *   try { yield* tokens(signal); }
 *   finally {
 *     if (signal.reason instanceof StreamAbortError) metrics.ended(signal.reason.type);
 *   }
 * }, { signal: request.signal, writeTimeout: 10_000 });
 * ```
 */
export class StreamAbortError extends Error {
  readonly type: StreamAbortType;

  constructor(type: StreamAbortType, message: string) {
    super(message);
    this.type = type;
    this.name = type === "shutdown" ? "ShutdownError" : type === "disconnect" || type === "stop" ? "AbortError" : "TimeoutError";
  }
}

/**
 * `openFile()` found no file at `path`. Turn it into a 404:
 *
 * @example
 * ```ts
 * try {
 *   return fileResponse(await openFile(path), { request });
 * } catch (error) {
 *   if (error instanceof NotFoundError) return new Response("Not found", { status: 404 });
 *   throw error;
 * }
 * ```
 */
export class NotFoundError extends Error {
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    super(`sluice: no file at ${JSON.stringify(path)}. Check the path (it is resolved from the working directory).`, options);
    this.name = "NotFoundError";
    this.path = path;
  }
}

/**
 * `readEvents()`, `readLines()`, `readNdjson()` or `readChunks()` was given a response
 * whose status is not 2xx: its body is an error page, not the stream asked for.
 */
export class ResponseStatusError extends Error {
  readonly status: number;

  constructor(response: Response) {
    super(
      `sluice: the response is ${response.status} ${response.statusText}`.trimEnd() +
        (response.url ? ` from ${response.url}` : "") +
        `, not a stream to read. Check response.ok first to read an error body yourself.`,
    );
    this.name = "ResponseStatusError";
    this.status = response.status;
  }
}

/**
 * The topic a reader was reading failed: `topic.fail()` was called, or the producer of its
 * `run()` threw or timed out. A topic's SSE response ends as an error (a truncated
 * response, so the client knows the answer is incomplete) unless `onError` gives a last
 * event; `topic.read()` throws this.
 */
export class TopicFailedError extends Error {
  readonly topic: string;

  constructor(topic: string) {
    super(`sluice: topic ${quote(topic)} failed: fail() was called, or its run threw or timed out.`);
    this.name = "TopicFailedError";
    this.topic = topic;
  }
}
