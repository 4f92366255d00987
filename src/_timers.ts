/**
 * Timers of the core.
 * @module
 */

/**
 * Lets a pending sluice timer not keep the process alive where the host supports that
 * (Node, Bun); elsewhere timers are plain numbers and this does nothing.
 */
export function unref<T>(timer: T): T {
  (timer as { unref?: () => void } | undefined)?.unref?.();
  return timer;
}

/** What a {@link Deadline} tells when its time comes. */
export interface Timed {
  due(): void;
}

/**
 * A timeout that is moved far more often than it fires (a keep-alive interval, a write
 * timeout, each restarted with every chunk). Moving it only records the new time; its one
 * host timer, when it comes due early, waits on for the rest. A `setTimeout` and a
 * `clearTimeout` per chunk cost more than the rest of a small chunk's way to the socket.
 */
export class Deadline {
  readonly #owner: Timed;
  readonly #unref: boolean;
  /** When it is due (ms since the epoch), or `Infinity` when it is not set. */
  #due = Number.POSITIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the host timer fires. */
  #timerDue = Number.POSITIVE_INFINITY;

  /** Calls `owner.due()` when due. `unrefd`: the timer does not keep the process alive (where the host can tell). */
  constructor(owner: Timed, unrefd: boolean) {
    this.#owner = owner;
    this.#unref = unrefd;
  }

  /** Due `ms` from now (replacing any earlier setting). */
  set(ms: number): void {
    const due = Date.now() + ms;
    this.#due = due;
    if (this.#timer === undefined || this.#timerDue > due) this.#arm(ms, due);
  }

  /** Not due any more; the host timer, if armed, fires once more and does nothing. */
  clear(): void {
    this.#due = Number.POSITIVE_INFINITY;
  }

  /** Not due, and the host timer is gone: nothing is left behind. */
  stop(): void {
    this.#due = Number.POSITIVE_INFINITY;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number, due: number): void {
    clearTimeout(this.#timer);
    this.#timerDue = due;
    // The deadline rides as the timer's argument: no closure per deadline (thousands of streams hold one).
    const timer = setTimeout(ring, ms, this);
    this.#timer = this.#unref ? unref(timer) : timer;
  }

  /** The host timer fired: tell the owner if due, else wait on for the rest. @internal */
  ring(): void {
    this.#timer = undefined;
    if (this.#due === Number.POSITIVE_INFINITY) return;
    const left = this.#due - Date.now();
    if (left > 0) {
      this.#arm(left, this.#due);
      return;
    }
    this.#due = Number.POSITIVE_INFINITY;
    this.#owner.due();
  }
}

function ring(deadline: Deadline): void {
  deadline.ring();
}
