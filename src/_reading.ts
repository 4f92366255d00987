/**
 * The source side of a body: opens the source on the first pull, joins the items that are
 * ready into one chunk, waits (with keep-alives) for the next, and stops the source the
 * same way whatever ends the body. {@link BodyEngine} adds the stream, the sink and the
 * adapters' control.
 * @module
 */
import type { BodyConfig } from "./_contract.ts";
import { encodeText } from "./_encode.ts";
import { IdleWait } from "./_idle.ts";
import { joinReady, READY_TICKS, type Joined } from "./_join.ts";
import { isThenable, type Cursor, type PreparedSource } from "./_source.ts";
import { advance, type Step } from "./_step.ts";
import { Deadline } from "./_timers.ts";

/** Upper bound of one coalesced chunk (UTF-16 units for text, bytes otherwise). */
const BATCH_BYTES = 16 * 1024;

/**
 * What a body's one timer is timing: the write timeout (from a chunk handed over to the
 * next pull) or the keep-alive interval (while a pull waits). The two never overlap.
 */
type Timing = "write" | "idle";

/**
 * A base class, not a part: the fields of both sides live in the one object a body is,
 * which matters with ten thousand open streams.
 */
export abstract class SourceReading<T> {
  /** The body has ended (closed, errored or cancelled); nothing more is delivered. */
  protected ended = false;
  protected readonly config: BodyConfig<T>;
  protected cursor: Cursor<T> | undefined;
  /** A `next()` started by the last pull and not yet sent: the one item run ahead. */
  protected pending: Step<T> | undefined;
  /** The source said it is done. */
  protected sourceDone = false;
  /** The chunk {@link SourceReading.produce} returned is the producer's memory, uncopied. */
  protected lent = false;
  /** The source's `return()` / `cancel()`, once called. */
  protected closing: Promise<void> | undefined;
  /** A pull waits for the cursor to wake it ({@link SourceReading.wake}). */
  protected parked = false;
  /** The cursor was asked to wake this body, and has not yet. */
  #waking = false;
  /** Settles the stream's parked pull. */
  #pulled: (() => void) | undefined;
  /** Keep-alive waits on async steps, for a body that sends keep-alives. */
  protected readonly idle: IdleWait<T> | undefined;
  readonly #source: PreparedSource<T>;
  /** Bytes one chunk may join: 0 (never join) for bodies whose items are already sized. */
  readonly #batchBytes: number;
  #index = 0;
  /** The producer's signal, made for a producer function only: aborted whenever the source is stopped early. */
  #producer: AbortController | undefined;
  /** The body's one timer (see {@link Timing}); none for a body with neither. */
  readonly #clock: Deadline | undefined;
  #timing: Timing | undefined;

  constructor(source: PreparedSource<T>, config: BodyConfig<T>, writeTimeout: number) {
    this.#source = source;
    this.config = config;
    this.#batchBytes = config.join === false ? 0 : BATCH_BYTES;
    this.idle = config.idle ? new IdleWait<T>() : undefined;
    this.#clock = config.idle || writeTimeout > 0 ? new Deadline(this, true) : undefined;
  }

  /** The item at the next index, from `onError`, encoded as the body's own items are. */
  protected encodeLast(item: unknown): Uint8Array {
    const encoded = this.config.encode(item as T, this.#index); // as an item of this body: an SSE event, a JSON value
    return typeof encoded === "string" ? encodeText(encoded) : encoded;
  }

  /** The cursor, opened on first use. */
  protected open(): Cursor<T> {
    if (this.cursor === undefined) {
      if (this.#source.signalled) this.#producer = new AbortController();
      this.cursor = this.#source.open(this.#producer?.signal);
    }
    return this.cursor;
  }

  /**
   * The next chunk from the source: the items ready now, joined; a keep-alive if the
   * producer stays silent while the consumer waits; `undefined` when the source ended
   * with nothing more. Throws what the source threw (after sending what came before).
   */
  protected async produce(): Promise<Uint8Array | undefined> {
    const cursor = this.open();
    for (;;) {
      const step = this.pending ?? advance(cursor);
      this.pending = undefined;
      const arrived = step.settled || (this.idle ? await this.#idleWait(step) : await step.promise!.then(() => true));
      if (!arrived) {
        if (this.ended) return undefined;
        this.pending = step;
        return this.keepAlive();
      }
      if (this.ended) return undefined;
      const joined = await this.join(step, cursor);
      if (this.ended) return undefined;
      const chunk = this.took(joined);
      if (chunk !== undefined || this.sourceDone) return chunk;
    }
  }

  /**
   * Whether the source has an item ready at the first pull: a cursor that can tell says
   * so; another's first `next()` is given a few microtask turns (an async generator that
   * yields at once takes two), and is kept for the pull that follows.
   */
  protected async readyAtFirst(): Promise<boolean> {
    const cursor = this.open();
    if (cursor.ready !== undefined) return cursor.ready();
    this.pending ??= advance(cursor);
    const step = this.pending;
    for (let tick = 0; tick < READY_TICKS && !step.settled; tick++) await undefined;
    return step.settled;
  }

  /** A keep-alive: bytes of its own, as a consumer may keep or transfer them. */
  protected keepAlive(): Uint8Array {
    return this.config.idle!.chunk.slice();
  }

  /** Joins `step` (settled) and the items ready after it. */
  protected join(step: Step<T>, cursor: Cursor<T>): Joined<T> | Promise<Joined<T>> {
    const owned = this.config.owned === true || cursor.owned === true;
    return joinReady(step, cursor, this.config.encode, this.#index, this.#batchBytes, () => this.ended, owned);
  }

  /** Moves past what `joined` joined, and returns its chunk (`undefined`: nothing to send). */
  protected took(joined: Joined<T>): Uint8Array | undefined {
    this.#index = joined.index;
    this.pending = joined.pending;
    if (joined.done) this.sourceDone = true;
    const { batch } = joined;
    const chunk = batch.take();
    this.lent = batch.borrowed && this.config.owned !== true && this.cursor?.owned !== true;
    return chunk;
  }

  /**
   * Ends the source early: abort the producer's signal, then `return()` / `cancel()` it;
   * a source that was never opened is let go unread (what it holds open is closed).
   */
  protected stopSource(reason: unknown): void {
    this.#producer?.abort(reason);
    if (this.cursor === undefined) {
      this.#source.discard(reason);
    } else if (!this.sourceDone) {
      try {
        const closing = this.cursor.close(reason);
        if (isThenable(closing)) this.closing = Promise.resolve(closing).then(ignore, ignore);
      } catch {
        // A throwing return() is the producer's own failure; the stream is over either way.
      }
    }
    this.pending = undefined;
  }

  /**
   * Parks the pull until the cursor wakes it (once: a wake-up already asked for stands), with
   * the keep-alive interval running. A stream pulls again only once its pull settles, so
   * it gets a promise; a `direct` reader needs none.
   */
  protected park(cursor: Cursor<T>, direct: boolean): Promise<void> | undefined {
    this.parked = true;
    if (!this.#waking) {
      this.#waking = true;
      cursor.wait!(this);
    }
    if (this.config.idle) this.time("idle", this.config.idle.ms);
    if (direct) return undefined;
    return new Promise<void>((resolve) => (this.#pulled = resolve));
  }

  /** The cursor woke a parked pull: an item, the end or a failure is there. @internal */
  wake(): void {
    this.#waking = false;
    if (!this.parked) return;
    const pulled = this.unpark();
    this.untime("idle");
    const pulling = this.pull();
    if (pulled === undefined) return;
    if (pulling === undefined) pulled();
    else void pulling.then(pulled);
  }

  /** Ends the parked pull's wait; returns what settles a stream's parked pull, to call once answered. */
  protected unpark(): (() => void) | undefined {
    this.parked = false;
    const pulled = this.#pulled;
    this.#pulled = undefined;
    return pulled;
  }

  /** Starts timing `what` for `ms`. */
  protected time(what: Timing, ms: number): void {
    this.#timing = what;
    this.#clock!.set(ms);
  }

  /** Stops timing `what`, if that is what is timed. */
  protected untime(what: Timing): void {
    if (this.#timing !== what) return;
    this.#timing = undefined;
    this.#clock!.clear();
  }

  /** Stops the timer for good (the body ended). */
  protected stopClock(): void {
    this.#timing = undefined;
    this.#clock?.stop();
    this.idle?.clear();
  }

  /** The timer's time came. @internal */
  due(): void {
    const what = this.#timing;
    this.#timing = undefined;
    if (what === "write") this.writeTimedOut();
    else if (what === "idle") {
      if (this.queued()) this.time("idle", this.config.idle!.ms);
      else if (!this.idle!.lapse()) this.lapsed();
    }
  }

  /** Waits for `step` with the keep-alive interval running: false when the interval came first. */
  async #idleWait(step: Step<T>): Promise<boolean> {
    this.time("idle", this.config.idle!.ms);
    const arrived = await this.idle!.wait(step);
    if (arrived) this.untime("idle");
    return arrived;
  }

  /** Hands the sink the next chunk (see {@link BodyEngine.pull}). */
  abstract pull(): Promise<void> | undefined;
  /** Whether bytes sent earlier still wait, unread, in the stream's queue (a keep-alive is not due yet). */
  protected abstract queued(): boolean;
  /** The keep-alive interval passed with no step awaited (a pull parked on a cursor). */
  protected abstract lapsed(): void;
  /** No pull came within the write timeout after a chunk was handed over. */
  protected abstract writeTimedOut(): void;
}

function ignore(): void {}
