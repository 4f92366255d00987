/**
 * The keep-alive wait of a body on a source's step: for the producer's next item, or for
 * the keep-alive interval, whichever comes first. The interval is the body's own timer,
 * which calls {@link IdleWait.lapse}.
 * @module
 */
import type { Step } from "./_step.ts";

/**
 * Waits on one body's steps. The step gets one reaction however many intervals pass: a
 * reaction per keep-alive would pile up on an idle stream for as long as it stays open.
 */
export class IdleWait<T> {
  /** The step being watched, and what wakes the wait when it settles. */
  #watched: Step<T> | undefined;
  #wake: ((arrived: boolean) => void) | undefined;

  /** Waits for `step`: true when it settled, false when {@link IdleWait.lapse} came first. */
  wait(step: Step<T>): Promise<boolean> {
    if (this.#watched !== step) {
      this.#watched = step;
      void step.promise!.then(() => this.#settle(true));
    }
    return new Promise<boolean>((resolve) => (this.#wake = resolve));
  }

  /** The interval passed: the wait, if one is pending, answers false. Returns whether one was. */
  lapse(): boolean {
    return this.#settle(false);
  }

  /** Stops waiting for good (the body ended). */
  clear(): void {
    this.#wake = undefined;
  }

  #settle(arrived: boolean): boolean {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.(arrived);
    return wake !== undefined;
  }
}
