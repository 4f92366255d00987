/**
 * Text as a test client receives it: every piece with when it came, and waits for a
 * needle to appear in it.
 */
export class Arrivals {
  text = "";
  readonly pieces: { at: number; text: string }[] = [];
  readonly #now: () => number;
  readonly #waiters = new Set<() => void>();

  /** `now`: the clock each piece is stamped with. */
  constructor(now: () => number) {
    this.#now = now;
  }

  add(piece: string): void {
    this.text += piece;
    this.pieces.push({ at: this.#now(), text: piece });
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves once the text includes `needle`; rejects after `ms`, or once `ended` settles without it. */
  until(needle: string, ms: number, ended?: Promise<unknown>): Promise<void> {
    return new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`${JSON.stringify(needle)} did not arrive within ${ms} ms`)), ms);
      const check = () => {
        if (!this.text.includes(needle)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        ok();
      };
      this.#waiters.add(check);
      void ended?.then(() => {
        check();
        if (this.#waiters.has(check)) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          fail(new Error(`the response ended before ${JSON.stringify(needle)} arrived`));
        }
      });
      check();
    });
  }
}
