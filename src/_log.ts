/**
 * A topic's log in this process: the retained events, each encoded once as SSE bytes that
 * every reader shares, and the readers waiting for the next one. It follows the topic in
 * the store, so it is the same for every store.
 * @module
 */
import { encodeText } from "./_encode.ts";
import { entrySize, Retained, type Limits } from "./_retention.ts";
import { formatEvent } from "./sse.ts";
import type { StoredEntry, TopicStore } from "./store.ts";

/** A retained event: what the store keeps, and its bytes on the wire. */
export interface LogEntry {
  readonly stored: StoredEntry;
  /** `id:`, `event:` and `data:` lines and the blank line: shared by every reader, never written to. */
  readonly bytes: Uint8Array;
}

/** The state of one topic's log in this process, as readers see it. */
export class Log {
  readonly name: string;
  readonly store: TopicStore;
  /** The store gave its first batch: the retained entries are all here. */
  loaded = false;
  /** The store could no longer follow the topic, or the topics were closed. */
  failure: { error: unknown } | undefined;
  /** The end or fail entry, once appended: nothing comes after it. */
  terminal: StoredEntry | undefined;
  /** Readers of this log in this process (responses and `read()` iterators not yet ended). */
  readers = 0;
  readonly #entries = new Retained<LogEntry>((entry) => entry.stored.time);
  /** The sequence number (this process's own count) of the oldest retained entry. */
  #first = 0;
  readonly #limits: Limits;
  /** The sequence number of each retained id (and the terminal's): where a resuming reader starts. */
  readonly #ids = new Map<string, number>();
  /** Wake-ups of the readers waiting for the next entry; each is removed when its reader ends. */
  #waiting = new Set<() => void>();
  /** Stops following the store; `undefined` once called (or while `follow` has not returned). */
  #unfollow: (() => void) | undefined;

  constructor(name: string, store: TopicStore, limits: Limits) {
    this.name = name;
    this.store = store;
    this.#limits = limits;
    const unfollow = store.follow(name, {
      entries: (batch) => this.#append(batch),
      error: (error) => this.close(error),
    });
    if (this.failure)
      unfollow(); // the store failed while it gave the first batch
    else this.#unfollow = unfollow;
  }

  /** The sequence number of the oldest retained entry. */
  get first(): number {
    return this.#first;
  }

  /** The sequence number the next appended entry will get. */
  get next(): number {
    return this.#first + this.#entries.count;
  }

  /** Readers waiting for the next entry. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** The entry numbered `seq`, which must be retained (`first <= seq < next`). */
  at(seq: number): LogEntry {
    return this.#entries.at(seq - this.#first);
  }

  /** Where a reader that last saw `id` goes on from: the number after it, or `undefined` if it is not retained. */
  after(id: string): number | undefined {
    const seq = this.#ids.get(id);
    return seq === undefined ? undefined : seq + 1;
  }

  /** Drops what `ms` retention expired, so a reader never starts on an event past its time. */
  expire(now: number): void {
    if (this.#limits.ms !== Infinity) this.#trim(now);
  }

  wait(wake: () => void): void {
    this.#waiting.add(wake);
  }

  unwait(wake: () => void): void {
    this.#waiting.delete(wake);
  }

  /** Stops following the store; readers still reading end with `error` (they reconnect). */
  close(error: unknown): void {
    this.failure ??= { error };
    this.#unfollow?.();
    this.#unfollow = undefined;
    this.#wake();
  }

  #append(batch: readonly StoredEntry[]): void {
    for (const stored of batch) {
      if (this.terminal) break; // nothing comes after the end
      const seq = this.next;
      this.#ids.set(stored.id, seq);
      if (stored.kind !== "event") {
        this.terminal = stored;
        continue;
      }
      const event: { id: string; event?: string; data: string } = { id: stored.id, data: stored.data };
      if (stored.event !== undefined) event.event = stored.event;
      const bytes = encodeText(formatEvent(event));
      this.#entries.push({ stored, bytes }, entrySize(stored.data, stored.event));
    }
    this.loaded = true;
    this.#trim(Date.now());
    this.#wake();
  }

  #trim(now: number): void {
    this.#first += this.#entries.trim(this.#limits, now, (entry) => this.#ids.delete(entry.stored.id));
  }

  #wake(): void {
    if (this.#waiting.size === 0) return;
    const waiting = this.#waiting;
    this.#waiting = new Set();
    for (const wake of waiting) wake();
  }
}
