/**
 * A reader of a topic: a position in its log that each `next()` advances. It holds no
 * queue, so a reader that is behind costs a number, not a backlog; waiting for the next
 * entry is one wake-up in the log's set, removed the moment the reader ends.
 * @module
 */
import type { Log, LogEntry, Waiter } from "./_log.ts";
import { TopicFailedError } from "./errors.ts";
import type { Gap } from "./gap.ts";

/** What a reader hands out: the bytes of an SSE response, or event objects for `read()`. */
export interface ReaderView<T> {
  entry(entry: LogEntry): T;
  /**
   * Entries `from` to `to - 1` as one item, where a view can (SSE bytes: the log joins them
   * once for every reader at the same place, see {@link Log.joined}).
   */
  run?(log: Log, from: number, to: number): T;
  gap(gap: Gap, lastId: string | undefined): T;
}

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });
/** The longest last id a gap event repeats back. */
const ECHO_MAX = 256;

/** Where a reader of a topic is, and what it does when the log moves on without it. */
export class TopicReader<T> implements Waiter {
  readonly #log: Log;
  readonly #view: ReaderView<T>;
  readonly #slow: "skip" | "close";
  readonly #release: () => void;
  /** The id the reader resumes after; cleared once it has a place in the log. */
  #after: string | undefined;
  /** The number of the next entry to hand out; -1 until placed. */
  #seq = -1;
  #lastId: string | undefined;
  /** A gap event to hand out before the next entry. */
  #gap: T | undefined;
  #done = false;
  #settle: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
  /** The body that waits for this reader to be ready, woken without a promise (see {@link TopicReader.wait}). */
  #waiter: { wake(): void } | undefined;

  constructor(log: Log, after: string | undefined, view: ReaderView<T>, slow: "skip" | "close", release: () => void) {
    this.#log = log;
    this.#after = after;
    this.#lastId = after;
    this.#view = view;
    this.#slow = slow;
    this.#release = release;
    log.readers++;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * True when the log is loaded, ended cleanly, and this reader has nothing left to read:
   * a reconnecting client that already has everything (answered with 204, so it stops).
   */
  get finished(): boolean {
    if (!this.#log.loaded || this.#log.terminal?.kind !== "end") return false;
    this.#place();
    return this.#gap === undefined && this.#seq === this.#log.next;
  }

  /** Whether {@link TopicReader.next} answers at once: an entry, a gap event, the end or a failure is there. */
  ready(): boolean {
    const log = this.#log;
    if (this.#done || log.failure) return true;
    if (!log.loaded) return false;
    this.#place();
    if (this.#seq < 0) return false; // its last id is still to come (another process gave it out)
    if (this.#gap !== undefined) return true;
    return this.#seq < log.next || log.terminal !== undefined;
  }

  /** The next item at once when there is one (or the end, or the failure); else a promise of it. */
  next(): IteratorResult<T> | Promise<IteratorResult<T>> {
    const result = this.#poll();
    if (result !== undefined) return result;
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.#settle = { resolve, reject };
      this.#log.wait(this);
    });
  }

  /** Calls `waiter.wake()` once {@link TopicReader.ready} turns true: a body's wait for the next event, with no promise. */
  wait(waiter: { wake(): void }): void {
    this.#waiter = waiter;
    this.#log.wait(this);
  }

  /** Ends the reader early, as a body's cursor: the same as {@link TopicReader.return}. */
  close(): void {
    this.return();
  }

  /** Ends the reader: it stops waiting and lets go of the log. */
  return(): IteratorResult<T> {
    this.#finish();
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.resolve(DONE);
    return DONE;
  }

  /** What the reader hands out now, or `undefined` if it must wait. Throws when the topic failed. */
  #poll(): IteratorResult<T> | undefined {
    if (this.#done) return DONE;
    const log = this.#log;
    if (log.failure) {
      this.#finish();
      throw log.failure.error;
    }
    if (!log.loaded) return undefined;
    this.#place();
    if (this.#seq < 0) return undefined; // not placed yet: its last id is still to come
    if (this.#seq < log.first) {
      if (this.#slow === "close") {
        this.#finish();
        return DONE;
      }
      this.#gap = this.#view.gap(
        { lastEventId: echo(this.#lastId), missed: log.first - this.#seq, reason: "slow" },
        this.#lastId,
      );
      this.#seq = log.first;
    }
    if (this.#gap !== undefined) {
      const value = this.#gap;
      this.#gap = undefined;
      return { done: false, value };
    }
    if (this.#seq < log.next) {
      const from = this.#seq;
      const run = this.#view.run;
      this.#seq = run === undefined ? from + 1 : log.runEnd(from);
      const last = log.at(this.#seq - 1);
      this.#lastId = last.stored.id;
      return { done: false, value: run === undefined ? this.#view.entry(last) : run(log, from, this.#seq) };
    }
    const terminal = log.terminal;
    if (terminal === undefined) return undefined;
    this.#finish();
    if (terminal.kind === "end") return DONE;
    throw new TopicFailedError(log.name);
  }

  /** Finds where the reader starts: after its last id if retained, else at the oldest entry behind a gap event. */
  #place(): void {
    if (this.#seq >= 0) return;
    const log = this.#log;
    log.expire(Date.now());
    const after = this.#after;
    const seq = after === undefined ? undefined : log.after(after);
    // An id another process gave that this process's log has not been given yet: wait for it.
    if (seq === undefined && after !== undefined && !log.terminal && log.store.pending?.(after, newest(log))) return;
    this.#after = undefined;
    this.#seq = log.first;
    if (after === undefined) return;
    if (seq !== undefined) {
      this.#seq = seq;
      return;
    }
    const oldest = log.first < log.next ? log.at(log.first).stored.id : log.terminal?.id;
    const distance = oldest === undefined || after.length > ECHO_MAX ? undefined : log.store.distance?.(after, oldest);
    if (distance === 1) return; // its last id is just before the oldest kept: it missed nothing (the rest expired)
    const evicted = distance === null || (distance !== undefined && distance > 0);
    this.#gap = this.#view.gap(
      {
        lastEventId: echo(after),
        missed: typeof distance === "number" && evicted ? distance - 1 : null,
        reason: evicted ? "evicted" : "unknown",
      },
      after,
    );
  }

  /** The log has news: the next entry, the end, or a failure. @internal */
  woken(): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      if (!this.ready()) {
        this.#log.wait(this); // woken for nothing new (a load with no entries): wait again
        return;
      }
      this.#waiter = undefined;
      waiter.wake();
      return;
    }
    const settle = this.#settle;
    if (settle === undefined) return;
    let result: IteratorResult<T> | undefined;
    try {
      result = this.#poll();
    } catch (error) {
      this.#settle = undefined;
      settle.reject(error);
      return;
    }
    if (result === undefined) {
      this.#log.wait(this); // woken for nothing new (a load with no entries): wait again
      return;
    }
    this.#settle = undefined;
    settle.resolve(result);
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#waiter = undefined;
    this.#log.unwait(this);
    this.#log.readers--;
    this.#release();
  }
}

function echo(id: string | undefined): string | null {
  return id === undefined || id.length > ECHO_MAX ? null : id;
}

/** The id of the newest entry `log` holds, if any. */
function newest(log: Log): string | undefined {
  return log.next > log.first ? log.at(log.next - 1).stored.id : undefined;
}
