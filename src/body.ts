/**
 * Source -> `ReadableStream<Uint8Array>`: pull, coalescing, cancellation, timeouts, errors.
 * @module
 */
import { checkNonNegative, describe, StreamAbortError } from "./errors.ts";
import { Batch, encodeChunk, encodeText, type Encoder } from "./encode.ts";
import { isThenable, prepareSource, type Cursor } from "./source.ts";
import type { Chunk, Source, StreamOptions } from "./types.ts";

/** Upper bound of one coalesced chunk (UTF-16 units for text, bytes otherwise). */
const BATCH_BYTES = 16 * 1024;
/** Upper bound of items in one chunk, so a run of empty items cannot hold a pull forever. */
const BATCH_ITEMS = 4096;
/**
 * Microtask turns a next() may take and still count as "already available". An async
 * generator that yields without awaiting settles in 2, one that awaits a settled promise
 * in 3; anything waiting for I/O or a timer takes a macrotask and is sent without it.
 */
const READY_TICKS = 4;
const DEFAULT_WRITE_TIMEOUT = 30_000;

/** Internal extras of a body: what encodes items, and what fills silence (SSE keep-alive). */
export interface BodyConfig<T> {
  encode: Encoder<T>;
  /** After `ms` of producer silence while the consumer waits, send `chunk`. */
  idle?: { ms: number; chunk: Uint8Array } | undefined;
  /** false: every item is its own chunk (file slices are already sized, joining would copy). */
  join?: boolean;
}

/**
 * What runtime adapters may do to a body sluice made, without wrapping it (a wrapper
 * would cost a stream hop per chunk).
 * @internal
 */
export interface BodyControl {
  /** Ends the body as an error with `reason` and stops its source (server shutdown). */
  abort(reason: unknown): void;
  /** "done" once closed cleanly; "failed" once errored or cancelled. */
  readonly state: "open" | "done" | "failed";
  /** Sends `chunk` on the first pull, before the source is asked (Bun holds headers until the first byte). */
  prime(chunk: Uint8Array): void;
  /** Calls `listener` once when the body ends in any way (at once if it has). */
  onEnd(listener: () => void): void;
}

const controls = new WeakMap<ReadableStream<Uint8Array>, BodyControl>();

/** The {@link BodyControl} of a body made by sluice, or `undefined` for any other stream. @internal */
export function controlOf(body: ReadableStream<Uint8Array> | null): BodyControl | undefined {
  return body ? controls.get(body) : undefined;
}

/** One call of `next()`: settled at once for sync sources, later for async ones. */
interface Step<T> {
  settled: boolean;
  result?: IteratorResult<T>;
  failed?: boolean;
  error?: unknown;
  promise?: Promise<unknown>;
}

/**
 * Makes a pull-based byte stream of `source`: the source's `next()` is called only from
 * the stream's `pull`, so a consumer that stops reading stops the producer. Items that
 * are ready at once are joined into one chunk; an item that took a real wait is sent
 * alone, at once.
 *
 * Consumer `cancel()`, `signal` abort, `timeout` and `writeTimeout` all end the source the
 * same way: the producer's `AbortSignal` is aborted and the iterator's `return()` runs,
 * so its `finally` blocks do. A source that throws errors the stream (never a clean end)
 * unless `onError` returns a last chunk.
 *
 * @example
 * ```ts
 * const body = toStream(async function* (signal) {
 *   for await (const row of db.query("select ...", { signal })) yield row.line + "\n";
 * }, { signal: request.signal });
 * return new Response(body);
 * ```
 * @see https://streams.spec.whatwg.org/#rs-model
 */
export function toStream(source: Source<Chunk>, options?: StreamOptions): ReadableStream<Uint8Array> {
  return createBody(source, options, { encode: encodeChunk });
}

/** {@link toStream} with a custom encoder and keep-alive; the engine of every response. */
export function createBody<T>(
  source: Source<T>,
  options: StreamOptions = {},
  config: BodyConfig<T>,
): ReadableStream<Uint8Array> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`sluice: options must be an object, got ${describe(options)}.`);
  }
  const { signal, onError } = options;
  const timeout = checkNonNegative("timeout", options.timeout, "ms");
  const writeTimeout = checkNonNegative("writeTimeout", options.writeTimeout, "ms") ?? DEFAULT_WRITE_TIMEOUT;
  const highWaterMark = checkNonNegative("highWaterMark", options.highWaterMark, "bytes") ?? 0;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`sluice: \`signal\` must be an AbortSignal (e.g. request.signal), got ${describe(signal)}.`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(`sluice: \`onError\` must be a function (error) => lastChunk, got ${describe(onError)}.`);
  }
  const open = prepareSource(source);
  const { encode, idle } = config;
  const batchBytes = config.join === false ? 0 : BATCH_BYTES;

  /** The producer's signal: aborted whenever the source is stopped early. */
  const producer = new AbortController();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cursor: Cursor<T> | undefined;
  /** A `next()` started by the last pull and not yet sent: the one item run ahead. */
  let pending: Step<T> | undefined;
  let index = 0;
  /** The stream has ended (closed, errored or cancelled); nothing more is enqueued. */
  let ended = false;
  let sourceDone = false;
  let writeTimer: ReturnType<typeof setTimeout> | undefined;
  let lifeTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let state: BodyControl["state"] = "open";
  let primed: Uint8Array | undefined;
  let endListeners: (() => void)[] | undefined;

  function advance(): Step<T> {
    let result: IteratorResult<T> | Promise<IteratorResult<T>>;
    try {
      result = cursor!.next();
    } catch (error) {
      return { settled: true, failed: true, error };
    }
    if (!isThenable(result)) return { settled: true, result: checkResult(result) };
    const step: Step<T> = { settled: false };
    step.promise = Promise.resolve(result).then(
      (value) => {
        step.settled = true;
        try {
          step.result = checkResult(value);
        } catch (error) {
          step.failed = true;
          step.error = error;
        }
      },
      (error: unknown) => {
        step.settled = true;
        step.failed = true;
        step.error = error;
      },
    );
    return step;
  }

  /** Waits for `step`, or for the idle interval: false when the interval came first. */
  function waitOrIdle(step: Step<T>): Promise<boolean> | boolean {
    if (!idle) return step.promise!.then(() => true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), idle.ms);
      idleTimer = timer;
      void step.promise!.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async function pull(): Promise<void> {
    clearTimeout(writeTimer);
    if (ended) return;
    let chunk: Uint8Array | undefined = primed;
    primed = undefined;
    try {
      if (chunk === undefined) cursor ??= open(producer.signal);
      while (chunk === undefined) {
        let step = pending ?? advance();
        pending = undefined;
        if (!step.settled && !(await waitOrIdle(step))) {
          if (ended) return;
          pending = step;
          chunk = idle!.chunk;
          break;
        }
        if (ended) return;
        const batch = new Batch();
        for (;;) {
          if (step.failed) {
            if (batch.count === 0) throw step.error;
            pending = step; // send what came before it; the next pull reports the error
            break;
          }
          const result = step.result!;
          if (result.done) {
            sourceDone = true;
            break;
          }
          try {
            batch.add(encode(result.value, index++));
          } catch (error) {
            if (batch.count === 0) throw error;
            pending = { settled: true, failed: true, error }; // send the good items first
            break;
          }
          if (batch.size >= batchBytes || batch.count >= BATCH_ITEMS) break;
          step = advance();
          for (let tick = 0; tick < READY_TICKS && !step.settled; tick++) await undefined;
          if (ended) return;
          if (!step.settled) {
            pending = step;
            break;
          }
        }
        chunk = batch.take();
        if (sourceDone) break;
      }
    } catch (error) {
      fail(error);
      return;
    }
    if (chunk !== undefined) controller.enqueue(chunk);
    if (sourceDone) {
      ended = true;
      state = "done";
      cleanUp();
      controller.close();
    } else if (writeTimeout > 0) {
      writeTimer = setTimeout(onWriteTimeout, writeTimeout);
      unref(writeTimer);
    }
  }

  /** The source threw (or the lifetime passed): offer `onError` a last chunk, else error. */
  function fail(error: unknown): void {
    if (ended) return;
    let last: Uint8Array | undefined;
    try {
      const chunk = onError?.(error);
      if (chunk !== undefined) {
        const encoded = encodeChunk(chunk, index);
        last = typeof encoded === "string" ? encodeText(encoded) : encoded;
      }
    } catch (onErrorFailure) {
      error = onErrorFailure;
    }
    stop(error);
    if (last) {
      state = "done";
      controller.enqueue(last);
      controller.close();
    } else {
      controller.error(error);
    }
  }

  /** Ends the source early: abort the producer's signal, then `return()` / `cancel()` it. */
  function stop(reason: unknown): void {
    ended = true;
    state = "failed";
    cleanUp();
    producer.abort(reason);
    if (cursor && !sourceDone) {
      try {
        const closing = cursor.close(reason);
        if (isThenable(closing)) closing.then(undefined, () => {});
      } catch {
        // A throwing return() is the producer's own failure; the stream is over either way.
      }
    }
    pending = undefined;
  }

  function abortWith(reason: unknown): void {
    if (ended) return;
    stop(reason);
    controller.error(reason);
  }

  function onAbort(): void {
    abortWith(signal!.reason);
  }

  function onWriteTimeout(): void {
    abortWith(
      new StreamAbortError(
        "write-timeout",
        `sluice: the consumer did not read for ${writeTimeout} ms (writeTimeout), so the ` +
          `stream was ended. Raise writeTimeout, or set it to 0 to wait forever.`,
      ),
    );
  }

  function cleanUp(): void {
    clearTimeout(writeTimer);
    clearTimeout(lifeTimer);
    clearTimeout(idleTimer);
    signal?.removeEventListener("abort", onAbort);
    const listeners = endListeners;
    endListeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (signal?.aborted) {
          abortWith(signal.reason);
          return;
        }
        signal?.addEventListener("abort", onAbort, { once: true });
        if (timeout) {
          lifeTimer = setTimeout(() => {
            fail(
              new StreamAbortError(
                "timeout",
                `sluice: the stream was open for ${timeout} ms (its timeout) and was ended.`,
              ),
            );
          }, timeout);
          unref(lifeTimer);
        }
      },
      pull,
      cancel(reason) {
        if (!ended) stop(reason);
      },
    },
    highWaterMark > 0
      ? { highWaterMark, size: (chunk: Uint8Array) => chunk.byteLength }
      : { highWaterMark: 0 },
  );
  controls.set(stream, {
    abort: abortWith,
    get state() {
      return state;
    },
    prime(chunk) {
      if (cursor === undefined && !ended) primed = chunk;
    },
    onEnd(listener) {
      if (ended) listener();
      else (endListeners ??= []).push(listener);
    },
  });
  return stream;
}

function checkResult<T>(result: unknown): IteratorResult<T> {
  if (typeof result !== "object" || result === null) {
    throw new TypeError(`sluice: the source's next() returned ${describe(result)}, not an iterator result {done, value}.`);
  }
  return result as IteratorResult<T>;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" && value !== null &&
    typeof (value as AbortSignal).addEventListener === "function" && "aborted" in value
  );
}

/**
 * Lets a pending sluice timer not keep the process alive where the host supports that
 * (Node, Bun); elsewhere timers are plain numbers and this does nothing.
 */
function unref(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}
