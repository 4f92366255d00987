/**
 * The engine behind every body: the stream it feeds, how chunks reach the sink, the
 * adapters' control, and how the body ends. The source side (pulling, joining, keep-alive
 * waits, stopping the source) is its base class, {@link SourceReading}.
 * @module
 */
import type { BodyConfig, BodyControl, FileRange, Settings } from "./_contract.ts";
import { DirectReader, type Sink } from "./_direct.ts";
import type { Joined } from "./_join.ts";
import { SourceReading } from "./_reading.ts";
import { timeoutReason, writeTimeoutReason } from "./_reasons.ts";
import { unref } from "./_timers.ts";
import { isThenable, type Cursor, type PreparedSource } from "./_source.ts";
import { advance } from "./_step.ts";

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
export class BodyEngine<T> extends SourceReading<T> implements UnderlyingDefaultSource<Uint8Array>, BodyControl {
  state: BodyControl["state"] = "open";
  failure: unknown;
  /** The stream this body feeds; dropped once an adapter takes over, so it can be collected. */
  stream: ReadableStream<Uint8Array> | undefined;
  readonly highWaterMark: number;
  readonly file: FileRange | undefined;
  readonly #settings: Settings;
  #sink!: Sink;
  /** What the next pull sends before asking the source: the rest of a large chunk. */
  #ahead: Uint8Array | undefined;
  /** Sent by the first pull if the source has nothing ready then (see {@link BodyEngine.prime}). */
  #prime: Uint8Array | undefined;
  /** `#ahead` is the producer's memory (see {@link BodyEngine.#deliver}). */
  #aheadLent = false;
  /** Lent chunks go to the stream as copies, unless its consumer is known to copy them itself. */
  #copyLent = true;
  #lifeTimer: ReturnType<typeof setTimeout> | undefined;
  #endListeners: (() => void)[] | undefined;
  #onCancel: (() => void) | undefined;

  /** Makes the body and the stream it feeds (`stream`), whose underlying source it is. */
  constructor(source: PreparedSource<T>, settings: Settings, config: BodyConfig<T>) {
    super(source, config, settings.writeTimeout);
    this.#settings = settings;
    this.highWaterMark = settings.highWaterMark;
    this.file = config.file;
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
    signal?.addEventListener("abort", this, { once: true }); // see handleEvent: no closure per body
    if (timeout) {
      this.#lifeTimer = unref(setTimeout(() => this.#fail(timeoutReason(timeout)), timeout));
    }
  }

  /** The signal aborted (the body is its `abort` listener). @internal */
  handleEvent(): void {
    this.abort(this.#settings.signal!.reason);
  }

  /**
   * Hands the sink one chunk of at most {@link PIECE_BYTES}: the rest of a large one, or the
   * next from the source. A cursor that can be waited on ({@link Cursor.wait}) is read
   * without a promise: ready, its items are joined and handed over before this returns;
   * not ready, the pull is parked until the cursor wakes it. That is the whole way of a
   * topic's event to a reader that was waiting for it.
   */
  pull(): Promise<void> | undefined {
    this.untime("write");
    if (this.ended) return undefined;
    const cursor = this.cursor;
    if (cursor?.wait === undefined || this.#ahead !== undefined || this.pending !== undefined) return this.#pullAsync();
    if (!cursor.ready!()) return this.park(cursor, this.#sink instanceof DirectReader);
    const step = advance(cursor);
    if (!step.settled) {
      this.pending = step;
      return this.#pullAsync();
    }
    let joined: Joined<T> | Promise<Joined<T>>;
    try {
      joined = this.join(step, cursor);
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

  /** The keep-alive interval passed while the pull was parked: a keep-alive answers it. */
  protected lapsed(): void {
    if (!this.parked || this.ended) return;
    const pulled = this.unpark();
    this.#sent(this.keepAlive(), false);
    pulled?.();
  }

  protected writeTimedOut(): void {
    this.abort(writeTimeoutReason(this.#settings.writeTimeout));
  }

  /** Whether bytes sent earlier still wait in the stream's queue, unread. */
  protected queued(): boolean {
    const desired = (this.#sink as { desiredSize?: number | null }).desiredSize;
    return typeof desired === "number" && desired < this.highWaterMark;
  }

  /** The way of every source that is not a ready cursor: each item awaited. */
  async #pullAsync(): Promise<void> {
    if (this.#prime !== undefined && (await this.#sentPrime())) return;
    let chunk = this.#ahead;
    let lent = this.#aheadLent;
    this.#ahead = undefined;
    if (chunk === undefined) {
      try {
        chunk = await this.produce();
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (this.ended) return;
      lent = this.lent;
    }
    this.#sent(chunk, lent);
  }

  /**
   * The first pull of a primed body: sends the primed chunk unless the source has bytes
   * ready ({@link SourceReading.readyAtFirst}); true if it did. On Bun, a tiny first chunk
   * followed by large ones (a topic's history) left about 20 KiB per connection for good.
   */
  async #sentPrime(): Promise<boolean> {
    const prime = this.#prime!;
    this.#prime = undefined;
    let ready: boolean;
    try {
      ready = await this.readyAtFirst();
    } catch (error) {
      this.#fail(error);
      return true;
    }
    if (this.ended) return true;
    if (!ready) this.#sent(prime, false);
    return !ready;
  }

  /** Delivers `chunk` (if any), then closes the body if the source is done, else starts the write timeout. */
  #sent(chunk: Uint8Array | undefined, lent: boolean): void {
    if (chunk !== undefined) this.#deliver(chunk, lent);
    if (this.sourceDone && this.#ahead === undefined) this.#close();
    else if (this.#settings.writeTimeout > 0) this.time("write", this.#settings.writeTimeout);
  }

  /**
   * Takes what a join of a ready cursor gave: false if it gave nothing to send and the
   * source is not done (an item that encoded to nothing), so the pull goes on waiting.
   */
  #handOver(joined: Joined<T>): boolean {
    if (this.ended) return true;
    const chunk = this.took(joined);
    if (chunk === undefined && !this.sourceDone) return false;
    this.#sent(chunk, this.lent);
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
    if (!this.ended) this.#onCancel?.();
    if (!this.ended) this.#stop(reason);
  }

  get writeTimeout(): number {
    return this.#settings.writeTimeout;
  }

  abort(reason: unknown): void {
    if (this.ended) return;
    this.#stop(reason);
    this.#sink.error(reason);
  }

  prime(chunk: Uint8Array): void {
    if (this.cursor === undefined && !this.ended) this.#prime = chunk;
  }

  onCancel(listener: () => void): void {
    this.#onCancel = listener;
  }

  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else {
      this.#endListeners ??= [];
      this.#endListeners.push(listener);
    }
  }

  settled(): Promise<void> {
    return new Promise<void>((resolve) => this.onEnd(resolve)).then(() => this.closing);
  }

  consumerCopies(): void {
    this.#copyLent = false;
  }

  takeOver(): DirectReader | undefined {
    const stream = this.stream;
    if (!stream || stream.locked || this.cursor !== undefined || this.ended || this.highWaterMark > 0) return undefined;
    stream.getReader(); // locked: the stream itself is never read from now on
    this.stream = undefined;
    const direct = new DirectReader(this);
    this.#sink = direct;
    return direct;
  }

  /** The source threw (or the lifetime passed): offer `onError` a last chunk, else error. */
  #fail(error: unknown): void {
    if (this.ended) return;
    let last: Uint8Array | undefined;
    try {
      const item = this.#settings.onError?.(error);
      if (item !== undefined) last = this.encodeLast(item);
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
    this.ended = true;
    this.state = "done";
    this.#cleanUp();
    this.#sink.close();
  }

  /** Ends the body early, and its source with it. */
  #stop(reason: unknown): void {
    this.ended = true;
    this.state = "failed";
    this.#ahead = undefined;
    this.#cleanUp();
    this.stopSource(reason);
  }

  #cleanUp(): void {
    this.stopClock();
    clearTimeout(this.#lifeTimer);
    this.unpark()?.();
    this.#settings.signal?.removeEventListener("abort", this);
    const listeners = this.#endListeners;
    this.#endListeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}
