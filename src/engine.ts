/**
 * The engine behind every body: pulls the source, joins ready items, sends keep-alives,
 * and ends the source the same way whatever ends the stream.
 * @module
 */
import type { BodyConfig, BodyControl } from "./body.ts";
import { DirectReader, type Sink } from "./direct.ts";
import { Batch, encodeChunk, encodeText } from "./encode.ts";
import { StreamAbortError } from "./errors.ts";
import { isThenable, type Cursor, type OpenCursor } from "./source.ts";
import { advance, failedStep, type Step } from "./step.ts";
import type { StreamOptions } from "./types.ts";

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

/** A body's checked options. */
export interface Settings {
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
export class Body<T> implements UnderlyingDefaultSource<Uint8Array>, BodyControl {
  state: BodyControl["state"] = "open";
  /** The stream this body feeds; dropped once an adapter takes over, so it can be collected. */
  stream: ReadableStream<Uint8Array> | undefined;
  readonly highWaterMark: number;
  /** The producer's signal: aborted whenever the source is stopped early. */
  readonly #producer = new AbortController();
  readonly #open: OpenCursor<T>;
  readonly #config: BodyConfig<T>;
  readonly #settings: Settings;
  /** Bytes one chunk may join: 0 (never join) for bodies whose items are already sized. */
  readonly #batchBytes: number;
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
    this.#batchBytes = config.join === false ? 0 : BATCH_BYTES;
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
          if (batch.size >= this.#batchBytes || batch.count >= BATCH_ITEMS) break;
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

/**
 * Lets a pending sluice timer not keep the process alive where the host supports that
 * (Node, Bun); elsewhere timers are plain numbers and this does nothing.
 */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void } | undefined)?.unref?.();
  return timer;
}
