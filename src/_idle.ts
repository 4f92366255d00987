/**
 * The keep-alive wait of a body: for the producer's next item, or for an idle interval
 * while nothing is queued for the consumer, whichever comes first.
 * @module
 */
import type { Step } from "./_step.ts";
import { Deadline } from "./_timers.ts";

/**
 * Waits on one body's steps. The step gets one reaction however many intervals pass: a
 * reaction per keep-alive would pile up on an idle stream for as long as it stays open.
 * The interval is one {@link Deadline}, moved with each wait, not a timer made for each.
 */
export class IdleWait<T> {
  readonly #ms: number;
  /** Whether what was sent still waits, unread, in the stream's queue. */
  readonly #queued: () => boolean;
  /** The step being watched, and what wakes the wait when it settles. */
  #watched: Step<T> | undefined;
  #wake: ((arrived: boolean) => void) | undefined;
  readonly #deadline: Deadline;

  /** `lapsed`: the interval passed with nothing queued while no {@link IdleWait.wait} was pending. */
  constructor(ms: number, queued: () => boolean, lapsed?: () => void) {
    this.#ms = ms;
    this.#queued = queued;
    this.#deadline = new Deadline(() => {
      if (this.#queued()) {
        this.#deadline.set(this.#ms);
        return;
      }
      const wake = this.#wake;
      this.#wake = undefined;
      if (wake) wake(false);
      else lapsed?.();
    }, false);
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
      void step.promise!.then(() => this.#wake?.(true));
    }
    return new Promise<boolean>((resolve) => {
      this.start();
      this.#wake = (arrived) => {
        this.#wake = undefined;
        if (arrived) this.#deadline.clear();
        resolve(arrived);
      };
    });
  }

  /** Starts the interval (for a wait that is not on a step: the `lapsed` callback is told). */
  start(): void {
    this.#deadline.set(this.#ms);
  }

  /** The item came: the interval stops. */
  stop(): void {
    this.#deadline.clear();
  }

  /** Stops waiting for good (the body ended): no timer is left. */
  clear(): void {
    this.#deadline.stop();
    this.#wake = undefined;
  }
}
