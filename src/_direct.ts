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

type Waiting = { resolve: (chunk: Uint8Array | null) => void; reject: (reason: unknown) => void };

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
  /** Chunks delivered while no read waited: at most an onError last chunk. */
  #queue: Uint8Array[] = [];
  #closed = false;
  #failure: { reason: unknown } | undefined;
  #waiting: Waiting | undefined;
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
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#failure) return Promise.reject(this.#failure.reason);
    if (this.#closed) return Promise.resolve(null);
    if (this.#waiting) return Promise.reject(new TypeError("sluice: read() was called again before the last read settled."));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      void this.#body.pull();
    });
  }

  /** Stops the body and its source, as a stream's `cancel()` does. */
  cancel(reason: unknown): void {
    this.#closed = true;
    this.#body.cancel(reason);
    this.#settle((waiting) => waiting.resolve(null));
  }

  enqueue(chunk: Uint8Array, lent = false): void {
    this.lent = lent;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting.resolve(chunk);
    else this.#queue.push(chunk);
  }

  close(): void {
    this.#closed = true;
    this.#settle((waiting) => waiting.resolve(null));
  }

  error(reason: unknown): void {
    this.#failure = { reason };
    this.#queue.length = 0;
    this.#settle((waiting) => waiting.reject(reason));
  }

  #settle(how: (waiting: Waiting) => void): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) how(waiting);
  }
}
