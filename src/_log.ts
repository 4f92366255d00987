/**
 * A topic's log in this process: the retained events, each encoded once as SSE bytes that
 * every reader shares, and the readers waiting for the next one. It follows the topic in
 * the store, so it is the same for every store.
 * @module
 */
import { encodeText } from "./_encode.ts";
import { entrySize, excess, type Limits } from "./_retention.ts";
import { formatEvent } from "./sse.ts";
import type { StoredEntry, TopicStore } from "./store.ts";

/** A retained event: what the store keeps, and its bytes on the wire. */
export interface LogEntry {
  readonly stored: StoredEntry;
  /** `id:`, `event:` and `data:` lines and the blank line: shared by every reader, never written to. */
  readonly bytes: Uint8Array;
  readonly size: number;
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
  #entries: LogEntry[] = [];
  #head = 0;
  /** The sequence number (this process's own count) of the oldest retained entry. */
  #first = 0;
  #bytes = 0;
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
    return this.#first + this.#entries.length - this.#head;
  }

  /** Readers waiting for the next entry. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** The entry numbered `seq`, which must be retained (`first <= seq < next`). */
  at(seq: number): LogEntry {
    return this.#entries[this.#head + seq - this.#first]!;
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
      const size = entrySize(stored.data, stored.event);
      this.#entries.push({ stored, bytes, size });
      this.#bytes += size;
    }
    this.loaded = true;
    this.#trim(Date.now());
    this.#wake();
  }

  #trim(now: number): void {
    const window = {
      count: this.#entries.length - this.#head,
      bytes: this.#bytes,
      size: (i: number) => this.#entries[this.#head + i]!.size,
      time: (i: number) => this.#entries[this.#head + i]!.stored.time,
    };
    const drop = excess(window, this.#limits, now);
    for (let i = 0; i < drop; i++) {
      const entry = this.#entries[this.#head]!;
      this.#ids.delete(entry.stored.id);
      this.#bytes -= entry.size;
      this.#entries[this.#head++] = undefined as unknown as LogEntry; // let it be collected now
      this.#first++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  #wake(): void {
    if (this.#waiting.size === 0) return;
    const waiting = this.#waiting;
    this.#waiting = new Set();
    for (const wake of waiting) wake();
  }
}
