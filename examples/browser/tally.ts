/**
 * Counting the words of an answer as they arrive, from the numbers they carry rather than
 * from what the server says: a word sent twice, or one that never came, shows in the
 * counts whatever the cause (a resume from the wrong id, a replay from the start).
 * @module
 */

/** What has arrived so far. A plain object, so the page can keep it in sessionStorage across a reload. */
export interface Tally {
  /** Word events received, repeats included. */
  received: number;
  /** Words received again (a number below {@link next}). */
  repeated: number;
  /** Numbers skipped over, and at the end those never sent. */
  missing: number;
  /** The number of the word expected next: one after the highest received. */
  next: number;
  /** Words in the whole answer, once a word has said so. */
  total: number | undefined;
}

export function emptyTally(): Tally {
  return { received: 0, repeated: 0, missing: 0, next: 1, total: undefined };
}

/** Counts word `n` of `of`; true if it is new (the page shows it), false if it is a repeat. */
export function countWord(tally: Tally, n: number, of: number): boolean {
  tally.received++;
  tally.total = of;
  if (n < tally.next) {
    tally.repeated++;
    return false;
  }
  tally.missing += n - tally.next;
  tally.next = n + 1;
  return true;
}

/** Counts the end of an answer of `words` words: any after the last one received are missing. */
export function countEnd(tally: Tally, words: number): void {
  tally.total = words;
  tally.missing += Math.max(0, words + 1 - tally.next);
  tally.next = Math.max(tally.next, words + 1);
}

/** `"57 of 300"`, or `"0"` before the first word. */
export function receivedText({ received, total }: Tally): string {
  return total === undefined ? String(received) : `${received} of ${total}`;
}

/** `"0 repeated, 0 missing"`. */
export function checkText({ repeated, missing }: Tally): string {
  return `${repeated} repeated, ${missing} missing`;
}
