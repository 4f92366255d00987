/**
 * The keep-alive wait of a body: for the producer's next item, or for an idle interval
 * while nothing is queued for the consumer, whichever comes first.
 * @module
 */
import type { Step } from "./_step.ts";

/**
 * Waits on one body's steps. The step gets one reaction however many intervals pass: a
 * reaction per keep-alive would pile up on an idle stream for as long as it stays open.
 */
export class IdleWait<T> {
  readonly #ms: number;
  /** Whether what was sent still waits, unread, in the stream's queue. */
  readonly #queued: () => boolean;
  /** The step being watched, and what wakes the wait when it settles. */
  #watched: Step<T> | undefined;
  #wake: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number, queued: () => boolean) {
    this.#ms = ms;
    this.#queued = queued;
  }

  /**
   * Waits for `step`, or for the interval while nothing is queued: false when the interval
   * came first. With a highWaterMark the stream pulls ahead of the consumer, so a keep-alive
   * is due only once what was sent has been read; that bounds them to one behind a client
   * that reads nothing.
   */
  wait(step: Step<T>): Promise<boolean> {
    if (this.#watched !== step) {
      this.#watched = step;
      void step.promise!.then(() => this.#wake?.());
    }
    return new Promise<boolean>((resolve) => {
      const arm = () => {
        this.#timer = setTimeout(() => {
          if (this.#queued()) return arm();
          this.#wake = undefined;
          resolve(false);
        }, this.#ms);
      };
      arm();
      this.#wake = () => {
        this.#wake = undefined;
        clearTimeout(this.#timer);
        resolve(true);
      };
    });
  }

  /** Stops waiting for good (the body ended). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#wake = undefined;
  }
}
