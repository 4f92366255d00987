/**
 * The engine behind every body: pulls the source, joins ready items, sends keep-alives,
 * and ends the source the same way whatever ends the stream.
 * @module
 */
import type { BodyConfig, BodyControl, FileRange, Settings } from "./_contract.ts";
import { DirectReader, type Sink } from "./_direct.ts";
import { encodeText } from "./_encode.ts";
import { joinReady, type Joined } from "./_join.ts";
import { IdleWait } from "./_idle.ts";
import { timeoutReason, writeTimeoutReason } from "./_reasons.ts";
import { Deadline, unref } from "./_timers.ts";
import { isThenable, type Cursor, type PreparedSource } from "./_source.ts";
import { advance, type Step } from "./_step.ts";

/** Upper bound of one coalesced chunk (UTF-16 units for text, bytes otherwise). */
const BATCH_BYTES = 16 * 1024;
/**
 * Most bytes handed over per pull. A larger item goes out in pieces, one per pull, so
 * each pull is a sign of progress: `writeTimeout` then measures a client that takes
 * nothing, not one that reads a large chunk slowly.
 */
const PIECE_BYTES = 64 * 1024;

/**
 * The engine behind one body: the `ReadableStream`'s underlying source, and the
 * {@link BodyControl} of adapters. A class, not closures: an idle stream holds one object
 * and its fields, which matters with ten thousand open streams.
 */
export class BodyEngine<T> implements UnderlyingDefaultSource<Uint8Array>, BodyControl {
  state: BodyControl["state"] = "open";
  failure: unknown;
  /** The stream this body feeds; dropped once an adapter takes over, so it can be collected. */
  stream: ReadableStream<Uint8Array> | undefined;
  readonly highWaterMark: number;
  readonly file: FileRange | undefined;
  /** The producer's signal: aborted whenever the source is stopped early. */
  readonly #producer = new AbortController();
  readonly #source: PreparedSource<T>;
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
  /** What the next pull sends before asking the source: a primed chunk, or the rest of a large one. */
  #ahead: Uint8Array | undefined;
  /** `#ahead` is the producer's memory (see {@link BodyEngine.#deliver}). */
  #aheadLent = false;
  /** The chunk {@link BodyEngine.#produce} returned is the producer's memory, uncopied. */
  #lent = false;
  /** Lent chunks go to the stream as copies, unless its consumer is known to copy them itself. */
  #copyLent = true;
  /** Restarted with each chunk handed over; passes if the consumer asks for no more in time. */
  readonly #writeDeadline: Deadline | undefined;
  #lifeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Keep-alive waits, for a body that sends keep-alives. */
  readonly #idle: IdleWait<T> | undefined;
  #endListeners: (() => void)[] | undefined;
  #onCancel: (() => void) | undefined;
  #closing: Promise<void> | undefined; // the source's return() / cancel(), once called
  /** A pull waits for the cursor to wake it ({@link BodyEngine.wake}). */
  #parked = false;
  /** The cursor was asked to wake this body, and has not yet. */
  #waking = false;
  /** Settles the stream's parked pull. */
  #pulled: (() => void) | undefined;
  readonly #onAbort = () => this.abort(this.#settings.signal!.reason);

  /** Makes the body and the stream it feeds (`stream`), whose underlying source it is. */
  constructor(source: PreparedSource<T>, settings: Settings, config: BodyConfig<T>) {
    this.#source = source;
    this.#settings = settings;
    this.#config = config;
    this.#batchBytes = config.join === false ? 0 : BATCH_BYTES;
    this.highWaterMark = settings.highWaterMark;
    this.file = config.file;
    this.#idle = config.idle
      ? new IdleWait(
          config.idle.ms,
          () => this.#queued(),
          () => this.#lapsed(),
        )
      : undefined;
    const { writeTimeout } = settings;
    this.#writeDeadline = writeTimeout > 0 ? new Deadline(() => this.abort(writeTimeoutReason(writeTimeout)), true) : undefined;
    this.stream = new ReadableStream<Uint8Array>(
      this,
      this.highWaterMark > 0
        ? { highWaterMark: this.highWaterMark, size: (chunk: Uint8Array) => chunk.byteLength }
        : { highWaterMark: 0 },
    ); // last: it calls start() at once
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#sink = controller;
    const { signal, timeout } = this.#settings;
    if (signal?.aborted) {
      this.abort(signal.reason);
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (timeout) {
      this.#lifeTimer = unref(setTimeout(() => this.#fail(timeoutReason(timeout)), timeout));
    }
  }

  /**
   * Hands the sink one chunk of at most {@link PIECE_BYTES}: the rest of a large one, or the
   * next from the source. A cursor that can be waited on ({@link Cursor.wait}) is read
   * without a promise: ready, its items are joined and handed over before this returns;
   * not ready, the pull is parked until the cursor wakes it. That is the whole way of a
   * topic's event to a reader that was waiting for it.
   */
  pull(): Promise<void> | undefined {
    this.#writeDeadline?.clear();
    if (this.#ended) return undefined;
    const cursor = this.#cursor;
    if (cursor?.wait === undefined || this.#ahead !== undefined || this.#pending !== undefined) return this.#pullAsync();
    if (!cursor.ready!()) return this.#park(cursor);
    const step = advance(cursor);
    if (!step.settled) {
      this.#pending = step;
      return this.#pullAsync();
    }
    let joined: Joined<T> | Promise<Joined<T>>;
    try {
      joined = this.#join(step, cursor);
    } catch (error) {
      this.#fail(error);
      return undefined;
    }
    if (!isThenable(joined)) return this.#handOver(joined) ? undefined : this.#pullAsync();
    return joined.then(
      (settled) => (this.#handOver(settled) ? undefined : this.#pullAsync()),
      (error: unknown) => this.#fail(error),
    );
  }

  /** The cursor woke a parked pull: an item, the end or a failure is there. @internal */
  wake(): void {
    this.#waking = false;
    if (!this.#parked) return;
    this.#parked = false;
    this.#idle?.stop();
    const pulled = this.#pulled;
    this.#pulled = undefined;
    const pulling = this.pull();
    if (pulled === undefined) return;
    if (pulling === undefined) pulled();
    else void pulling.then(pulled);
  }

  /**
   * Parks the pull until the cursor wakes it (once: a wake-up already asked for stands), with
   * the keep-alive interval running. A stream pulls again only once its pull settles, so
   * it gets a promise; a direct reader needs none.
   */
  #park(cursor: Cursor<T>): Promise<void> | undefined {
    this.#parked = true;
    if (!this.#waking) {
      this.#waking = true;
      cursor.wait!(this);
    }
    this.#idle?.start();
    if (this.#sink instanceof DirectReader) return undefined;
    return new Promise<void>((resolve) => (this.#pulled = resolve));
  }

  /** The keep-alive interval passed while the pull was parked: a keep-alive answers it. */
  #lapsed(): void {
    if (!this.#parked || this.#ended) return;
    this.#parked = false;
    this.#sent(this.#config.idle!.chunk.slice(), false); // bytes of its own: a consumer may keep or transfer them
    const pulled = this.#pulled;
    this.#pulled = undefined;
    pulled?.();
  }

  /** The way of every source that is not a ready cursor: each item awaited. */
  async #pullAsync(): Promise<void> {
    let chunk = this.#ahead;
    let lent = this.#aheadLent;
    this.#ahead = undefined;
    if (chunk === undefined) {
      try {
        chunk = await this.#produce();
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (this.#ended) return;
      lent = this.#lent;
    }
    this.#sent(chunk, lent);
  }

  /** Delivers `chunk` (if any), then closes the body if the source is done, else starts the write timeout. */
  #sent(chunk: Uint8Array | undefined, lent: boolean): void {
    if (chunk !== undefined) this.#deliver(chunk, lent);
    if (this.#sourceDone && this.#ahead === undefined) this.#close();
    else this.#writeDeadline?.set(this.#settings.writeTimeout);
  }

  /**
   * Takes what a join of a ready cursor gave: false if it gave nothing to send and the
   * source is not done (an item that encoded to nothing), so the pull goes on waiting.
   */
  #handOver(joined: Joined<T>): boolean {
    if (this.#ended) return true;
    const chunk = this.#took(joined);
    if (chunk === undefined && !this.#sourceDone) return false;
    this.#sent(chunk, this.#lent);
    return true;
  }

  /**
   * Hands the sink at most {@link PIECE_BYTES} of `chunk`, keeping the rest for the next
   * pulls. A `lent` chunk is memory the producer may fill again once it runs on (a file
   * read into one reused buffer). A stream's consumer may hold a chunk after it pulls the
   * next (Deno writes it later), so the stream gets a copy, unless its consumer copies
   * chunks itself ({@link BodyControl.consumerCopies}); a direct reader is told, and lets
   * go of it before it reads again.
   */
  #deliver(chunk: Uint8Array, lent: boolean): void {
    if (chunk.byteLength > PIECE_BYTES) {
      this.#ahead = chunk.subarray(PIECE_BYTES);
      this.#aheadLent = lent;
      chunk = chunk.subarray(0, PIECE_BYTES);
    }
    if (lent && this.#copyLent && !(this.#sink instanceof DirectReader)) chunk = chunk.slice();
    this.#sink.enqueue(chunk, lent);
  }

  /** The consumer cancelled: stop the source (unless the `onCancel` listener ended the body first). */
  cancel(reason: unknown): void {
    if (!this.#ended) this.#onCancel?.();
    if (!this.#ended) this.#stop(reason);
  }

  get writeTimeout(): number {
    return this.#settings.writeTimeout;
  }

  abort(reason: unknown): void {
    if (this.#ended) return;
    this.#stop(reason);
    this.#sink.error(reason);
  }

  prime(chunk: Uint8Array): void {
    if (this.#cursor === undefined && !this.#ended) this.#ahead = chunk;
  }

  onCancel(listener: () => void): void {
    this.#onCancel = listener;
  }

  onEnd(listener: () => void): void {
    if (this.#ended) listener();
    else {
      this.#endListeners ??= [];
      this.#endListeners.push(listener);
    }
  }

  settled(): Promise<void> {
    return new Promise<void>((resolve) => this.onEnd(resolve)).then(() => this.#closing);
  }

  consumerCopies(): void {
    this.#copyLent = false;
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
   * The next chunk from the source: the items ready now, joined; a keep-alive if the
   * producer stays silent while the consumer waits; `undefined` when the source ended
   * with nothing more. Throws what the source threw (after sending what came before).
   */
  async #produce(): Promise<Uint8Array | undefined> {
    this.#cursor ??= this.#source.open(this.#producer.signal);
    for (;;) {
      const step = this.#pending ?? advance(this.#cursor);
      this.#pending = undefined;
      const arrived = step.settled || (this.#idle ? await this.#idle.wait(step) : await step.promise!.then(() => true));
      if (!arrived) {
        if (this.#ended) return undefined;
        this.#pending = step;
        return this.#config.idle!.chunk.slice(); // bytes of its own: a consumer may keep or transfer them
      }
      if (this.#ended) return undefined;
      const joined = await this.#join(step, this.#cursor);
      if (this.#ended) return undefined;
      const chunk = this.#took(joined);
      if (chunk !== undefined || this.#sourceDone) return chunk;
    }
  }

  /** Joins `step` (settled) and the items ready after it. */
  #join(step: Step<T>, cursor: Cursor<T>): Joined<T> | Promise<Joined<T>> {
    const owned = this.#config.owned === true || cursor.owned === true;
    return joinReady(step, cursor, this.#config.encode, this.#index, this.#batchBytes, () => this.#ended, owned);
  }

  /** Moves past what `joined` joined, and returns its chunk (`undefined`: nothing to send). */
  #took(joined: Joined<T>): Uint8Array | undefined {
    this.#index = joined.index;
    this.#pending = joined.pending;
    if (joined.done) this.#sourceDone = true;
    const { batch } = joined;
    const chunk = batch.take();
    this.#lent = batch.borrowed && this.#config.owned !== true && this.#cursor?.owned !== true;
    return chunk;
  }

  /** Whether bytes sent earlier still wait in the stream's queue, unread. */
  #queued(): boolean {
    const desired = (this.#sink as { desiredSize?: number | null }).desiredSize;
    return typeof desired === "number" && desired < this.highWaterMark;
  }

  /** The source threw (or the lifetime passed): offer `onError` a last chunk, else error. */
  #fail(error: unknown): void {
    if (this.#ended) return;
    let last: Uint8Array | undefined;
    try {
      const item = this.#settings.onError?.(error);
      if (item !== undefined) {
        const encoded = this.#config.encode(item as T, this.#index); // as an item of this body: an SSE event, a JSON value
        last = typeof encoded === "string" ? encodeText(encoded) : encoded;
      }
    } catch (onErrorFailure) {
      error = onErrorFailure;
    }
    if (!last) this.failure = error;
    this.#stop(error);
    if (last) {
      this.state = "done";
      this.#sink.enqueue(last);
      this.#sink.close();
    } else {
      this.#sink.error(error);
    }
  }

  /** The source is done and everything was handed over: a clean end. */
  #close(): void {
    this.#ended = true;
    this.state = "done";
    this.#cleanUp();
    this.#sink.close();
  }

  /**
   * Ends the source early: abort the producer's signal, then `return()` / `cancel()` it;
   * a source that was never opened is let go unread (what it holds open is closed).
   */
  #stop(reason: unknown): void {
    this.#ended = true;
    this.state = "failed";
    this.#ahead = undefined;
    this.#cleanUp();
    this.#producer.abort(reason);
    if (this.#cursor === undefined) {
      this.#source.discard(reason);
    } else if (!this.#sourceDone) {
      try {
        const closing = this.#cursor.close(reason);
        if (isThenable(closing)) this.#closing = Promise.resolve(closing).then(ignore, ignore);
      } catch {
        // A throwing return() is the producer's own failure; the stream is over either way.
      }
    }
    this.#pending = undefined;
  }

  #cleanUp(): void {
    this.#writeDeadline?.stop();
    clearTimeout(this.#lifeTimer);
    this.#idle?.clear();
    this.#parked = false;
    const pulled = this.#pulled;
    this.#pulled = undefined;
    pulled?.();
    this.#settings.signal?.removeEventListener("abort", this.#onAbort);
    const listeners = this.#endListeners;
    this.#endListeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}

function ignore(): void {}
