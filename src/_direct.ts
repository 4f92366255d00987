/**
 * Where a body's chunks go: its `ReadableStream`'s controller, or a {@link DirectReader}
 * that a runtime adapter reads without the stream machinery.
 * @module
 */

/** The three things a body does with its output; a stream controller is one. */
export interface Sink {
  /** `lent`: the chunk is the producer's memory, which it fills again once asked for more. */
  enqueue(chunk: Uint8Array, lent?: boolean): void;
  close(): void;
  error(reason: unknown): void;
}

/** The part of a body a direct reader drives. */
interface Pullable {
  pull(): Promise<void> | undefined;
  cancel(reason: unknown): void;
}

/**
 * Reads a sluice body chunk by chunk with one promise each, as `reader.read()` would but
 * without a queue, a controller or a reader in between. Used by the Node adapter, which
 * writes each chunk to the socket itself.
 * @internal
 */
export class DirectReader implements Sink {
  readonly #body: Pullable;
  /** Chunks delivered while no read waited: at most an onError last chunk; made when needed. */
  #queue: Uint8Array[] | undefined;
  #closed = false;
  #failure: { reason: unknown } | undefined;
  /** The pending read's settling functions (two fields, not an object made per read). */
  #resolve: ((chunk: Uint8Array | null) => void) | undefined;
  #reject: ((reason: unknown) => void) | undefined;
  /**
   * The last chunk read is the producer's own memory (see {@link Sink.enqueue}): the
   * reader must be done with it (written out, not just queued) before it reads again.
   */
  lent = false;

  constructor(body: Pullable) {
    this.#body = body;
  }

  /** The next chunk, or `null` at a clean end; rejects with the body's error. */
  read(): Promise<Uint8Array | null> {
    this.lent = false;
    const queued = this.#queue?.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#failure) return Promise.reject(this.#failure.reason);
    if (this.#closed) return Promise.resolve(null);
    if (this.#resolve) return Promise.reject(new TypeError("sluice: read() was called again before the last read settled."));
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      void this.#body.pull();
    });
  }

  /** Stops the body and its source, as a stream's `cancel()` does. */
  cancel(reason: unknown): void {
    this.#closed = true;
    this.#body.cancel(reason);
    this.#settle(null);
  }

  enqueue(chunk: Uint8Array, lent = false): void {
    this.lent = lent;
    if (this.#resolve) this.#settle(chunk);
    else {
      this.#queue ??= [];
      this.#queue.push(chunk);
    }
  }

  close(): void {
    this.#closed = true;
    this.#settle(null);
  }

  error(reason: unknown): void {
    this.#failure = { reason };
    this.#queue = undefined;
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    reject?.(reason);
  }

  /** Answers the pending read, if any, with `chunk`. */
  #settle(chunk: Uint8Array | null): void {
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    resolve?.(chunk);
  }
}
