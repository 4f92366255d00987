/**
 * Source -> `ReadableStream<Uint8Array>`: pull, coalescing, cancellation, timeouts, errors.
 * @module
 */
import { DirectReader, type Sink } from "./direct.ts";
import { checkNonNegative, describe, StreamAbortError } from "./errors.ts";
import { Batch, encodeChunk, encodeText, type Encoder } from "./encode.ts";
import { isThenable, prepareSource, type Cursor, type OpenCursor } from "./source.ts";
import { advance, failedStep, type Step } from "./step.ts";
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
  /**
   * Reads the body without its `ReadableStream` (which is locked so nobody else can):
   * one promise per chunk instead of the stream's reader machinery. `undefined` once
   * reading has begun the standard way, or with a highWaterMark.
   */
  takeOver(): DirectReader | undefined;
}

const controls = new WeakMap<ReadableStream<Uint8Array>, BodyControl>();

/** The {@link BodyControl} of a body made by sluice, or `undefined` for any other stream. @internal */
export function controlOf(body: ReadableStream<Uint8Array> | null): BodyControl | undefined {
  return body ? controls.get(body) : undefined;
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
export function createBody<T>(source: Source<T>, options: StreamOptions = {}, config: BodyConfig<T>): ReadableStream<Uint8Array> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`sluice: options must be an object, got ${describe(options)}.`);
  }
  const { signal, onError } = options;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`sluice: \`signal\` must be an AbortSignal (e.g. request.signal), got ${describe(signal)}.`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(`sluice: \`onError\` must be a function (error) => lastChunk, got ${describe(onError)}.`);
  }
  const body = new Body(prepareSource(source), {
    signal,
    onError,
    timeout: checkNonNegative("timeout", options.timeout, "ms"),
    writeTimeout: checkNonNegative("writeTimeout", options.writeTimeout, "ms") ?? DEFAULT_WRITE_TIMEOUT,
    highWaterMark: checkNonNegative("highWaterMark", options.highWaterMark, "bytes") ?? 0,
  }, config);
  const stream = new ReadableStream<Uint8Array>(
    body,
    body.highWaterMark > 0
      ? { highWaterMark: body.highWaterMark, size: (chunk: Uint8Array) => chunk.byteLength }
      : { highWaterMark: 0 },
  );
  body.stream = stream;
  controls.set(stream, body);
  return stream;
}

interface Settings {
  signal: AbortSignal | undefined;
  onError: StreamOptions["onError"];
  timeout: number | undefined;
  writeTimeout: number;
  highWaterMark: number;
}

/**
 * The engine behind one body: the `ReadableStream`'s underlying source, and the
 * {@link BodyControl} of adapters. A class, not closures: an idle stream holds one object
 * and its fields, which matters with ten thousand open streams.
 */
class Body<T> implements UnderlyingDefaultSource<Uint8Array>, BodyControl {
  state: BodyControl["state"] = "open";
  /** The stream this body feeds; dropped once an adapter takes over, so it can be collected. */
  stream: ReadableStream<Uint8Array> | undefined;
  readonly highWaterMark: number;
  /** The producer's signal: aborted whenever the source is stopped early. */
  readonly #producer = new AbortController();
  readonly #open: OpenCursor<T>;
  readonly #config: BodyConfig<T>;
  readonly #settings: Settings;
  #sink!: Sink;
  #cursor: Cursor<T> | undefined;
  /** A `next()` started by the last pull and not yet sent: the one item run ahead. */
  #pending: Step<T> | undefined;
  #index = 0;
  /** The body has ended (closed, errored or cancelled); nothing more is delivered. */
  #ended = false;
  #sourceDone = false;
  #primed: Uint8Array | undefined;
  #writeTimer: ReturnType<typeof setTimeout> | undefined;
  #lifeTimer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The step a keep-alive wait watches, and what wakes that wait when it settles. */
  #watched: Step<T> | undefined;
  #wake: (() => void) | undefined;
  #endListeners: (() => void)[] | undefined;
  readonly #onAbort = () => this.abort(this.#settings.signal!.reason);

  constructor(open: OpenCursor<T>, settings: Settings, config: BodyConfig<T>) {
    this.#open = open;
    this.#settings = settings;
    this.#config = config;
    this.highWaterMark = settings.highWaterMark;
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#sink = controller;
    const { signal, timeout } = this.#settings;
    if (signal?.aborted) return this.abort(signal.reason);
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (timeout) {
      this.#lifeTimer = unref(setTimeout(() => {
        this.#fail(new StreamAbortError("timeout", `sluice: the stream was open for ${timeout} ms (its timeout) and was ended.`));
      }, timeout));
    }
  }

  /** Produces one chunk (items joined, or a keep-alive) and hands it to the sink. */
  async pull(): Promise<void> {
    clearTimeout(this.#writeTimer);
    this.#writeTimer = undefined;
    if (this.#ended) return;
    let chunk = this.#primed;
    this.#primed = undefined;
    try {
      if (chunk === undefined) this.#cursor ??= this.#open(this.#producer.signal);
      while (chunk === undefined) {
        let step = this.#pending ?? advance(this.#cursor!);
        this.#pending = undefined;
        if (!step.settled && !(await this.#waitOrIdle(step))) {
          if (this.#ended) return;
          this.#pending = step;
          chunk = this.#config.idle!.chunk;
          break;
        }
        if (this.#ended) return;
        const batch = new Batch();
        const batchBytes = this.#config.join === false ? 0 : BATCH_BYTES;
        for (;;) {
          if (step.failed) {
            if (batch.count === 0) throw step.error;
            this.#pending = step; // send what came before it; the next pull reports the error
            break;
          }
          const result = step.result!;
          if (result.done) {
            this.#sourceDone = true;
            break;
          }
          try {
            batch.add(this.#config.encode(result.value, this.#index++));
          } catch (error) {
            if (batch.count === 0) throw error;
            this.#pending = failedStep(error); // send the good items first
            break;
          }
          if (batch.size >= batchBytes || batch.count >= BATCH_ITEMS) break;
          step = advance(this.#cursor!);
          for (let tick = 0; tick < READY_TICKS && !step.settled; tick++) await undefined;
          if (this.#ended) return;
          if (!step.settled) {
            this.#pending = step;
            break;
          }
        }
        chunk = batch.take();
        if (this.#sourceDone) break;
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (chunk !== undefined) this.#sink.enqueue(chunk);
    if (this.#sourceDone) {
      this.#ended = true;
      this.state = "done";
      this.#cleanUp();
      this.#sink.close();
    } else if (this.#settings.writeTimeout > 0) {
      this.#writeTimer = unref(setTimeout(() => this.#onWriteTimeout(), this.#settings.writeTimeout));
    }
  }

  /** The consumer cancelled: stop the source. */
  cancel(reason: unknown): void {
    if (!this.#ended) this.#stop(reason);
  }

  abort(reason: unknown): void {
    if (this.#ended) return;
    this.#stop(reason);
    this.#sink.error(reason);
  }

  prime(chunk: Uint8Array): void {
    if (this.#cursor === undefined && !this.#ended) this.#primed = chunk;
  }

  onEnd(listener: () => void): void {
    if (this.#ended) listener();
    else (this.#endListeners ??= []).push(listener);
  }

  takeOver(): DirectReader | undefined {
    const stream = this.stream;
    if (!stream || stream.locked || this.#cursor !== undefined || this.#ended || this.highWaterMark > 0) return undefined;
    stream.getReader(); // locked: the stream itself is never read from now on
    this.stream = undefined;
    const direct = new DirectReader(this);
    this.#sink = direct;
    return direct;
  }

  /**
   * Waits for `step`, or for the idle interval: false when the interval came first. The
   * step gets one reaction however many intervals pass: a reaction per keep-alive would
   * pile up on an idle stream for as long as it stays open.
   */
  #waitOrIdle(step: Step<T>): Promise<boolean> {
    const idle = this.#config.idle;
    if (!idle) return step.promise!.then(() => true);
    if (this.#watched !== step) {
      this.#watched = step;
      void step.promise!.then(() => this.#wake?.());
    }
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve(false);
      }, idle.ms);
      this.#idleTimer = timer;
      this.#wake = () => {
        this.#wake = undefined;
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** The source threw (or the lifetime passed): offer `onError` a last chunk, else error. */
  #fail(error: unknown): void {
    if (this.#ended) return;
    let last: Uint8Array | undefined;
    try {
      const chunk = this.#settings.onError?.(error);
      if (chunk !== undefined) {
        const encoded = encodeChunk(chunk, this.#index);
        last = typeof encoded === "string" ? encodeText(encoded) : encoded;
      }
    } catch (onErrorFailure) {
      error = onErrorFailure;
    }
    this.#stop(error);
    if (last) {
      this.state = "done";
      this.#sink.enqueue(last);
      this.#sink.close();
    } else {
      this.#sink.error(error);
    }
  }

  /** Ends the source early: abort the producer's signal, then `return()` / `cancel()` it. */
  #stop(reason: unknown): void {
    this.#ended = true;
    this.state = "failed";
    this.#cleanUp();
    this.#producer.abort(reason);
    if (this.#cursor && !this.#sourceDone) {
      try {
        const closing = this.#cursor.close(reason);
        if (isThenable(closing)) closing.then(undefined, () => {});
      } catch {
        // A throwing return() is the producer's own failure; the stream is over either way.
      }
    }
    this.#pending = undefined;
  }

  #onWriteTimeout(): void {
    const ms = this.#settings.writeTimeout;
    this.abort(
      new StreamAbortError(
        "write-timeout",
        `sluice: the consumer did not read for ${ms} ms (writeTimeout), so the stream was ended. ` +
          `Raise writeTimeout, or set it to 0 to wait forever.`,
      ),
    );
  }

  #cleanUp(): void {
    clearTimeout(this.#writeTimer);
    clearTimeout(this.#lifeTimer);
    clearTimeout(this.#idleTimer);
    this.#wake = undefined;
    this.#settings.signal?.removeEventListener("abort", this.#onAbort);
    const listeners = this.#endListeners;
    this.#endListeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
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
function unref<T>(timer: T): T {
  (timer as { unref?: () => void } | undefined)?.unref?.();
  return timer;
}
