/**
 * A topic's log in this process: the retained events, each encoded once as SSE bytes that
 * every reader shares, and the readers waiting for the next one. It follows the topic in
 * the store, so it is the same for every store.
 * @module
 */
import { encodeText } from "./_encode.ts";
import { entrySize, Retained, type Limits } from "./_retention.ts";
import { share } from "./_shared.ts";
import { formatEvent } from "./sse.ts";
import type { StoredEntry, TopicStore } from "./store.ts";

/** A retained event: what the store keeps, and its bytes on the wire. */
export interface LogEntry {
  readonly stored: StoredEntry;
  /** `id:`, `event:` and `data:` lines and the blank line: shared by every reader, never written to. */
  readonly bytes: Uint8Array;
}

/** Most bytes of entries handed to a reader as one run (the engine's batch size). */
const RUN_BYTES = 16 * 1024;

/** Most bytes of joined runs a log keeps for readers at the same place to share. */
const RUNS_BYTES = 256 * 1024;

/** A reader waiting for the log: an object, not a closure, so a waiting reader costs nothing more. */
export interface Waiter {
  woken(): void;
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
  /** The readers waiting for the next entry; each is removed when it ends. */
  #waiting = new Set<Waiter>();
  /** Runs of entries joined lately, by their first entry's number, oldest first (see {@link Log.joined}). */
  readonly #runs = new Map<number, { to: number; bytes: Uint8Array }>();
  #runsBytes = 0;
  /** A wake-up of the waiting readers is queued. */
  #waking = false;
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

  /**
   * Where a run of entries handed out as one item ends (exclusive), from `from`: every
   * retained entry after it, up to {@link RUN_BYTES} (at least one entry).
   */
  runEnd(from: number): number {
    const next = this.next;
    let to = from + 1;
    for (let size = this.at(from).bytes.byteLength; to < next; to++) {
      size += this.at(to).bytes.byteLength;
      if (size > RUN_BYTES) break;
    }
    return to;
  }

  /**
   * The bytes of entries `from` to `to - 1`, joined. Recent runs are kept (up to
   * {@link RUNS_BYTES}): readers at the same place ask for the same run (all of them woken by
   * the same publishes, or replaying the same history after a reconnect storm), so they
   * share its bytes as they share an event's, instead of a copy each.
   */
  joined(from: number, to: number): Uint8Array {
    if (to - from === 1) return this.at(from).bytes;
    const kept = this.#runs.get(from);
    if (kept !== undefined && kept.to === to) return kept.bytes;
    let size = 0;
    for (let seq = from; seq < to; seq++) size += this.at(seq).bytes.byteLength;
    const bytes = share(new Uint8Array(size));
    for (let seq = from, at = 0; seq < to; seq++) {
      const part = this.at(seq).bytes;
      bytes.set(part, at);
      at += part.byteLength;
    }
    if (kept !== undefined) this.#runsBytes -= kept.bytes.byteLength;
    this.#runs.delete(from); // re-inserted as the newest
    this.#runs.set(from, { to, bytes });
    this.#runsBytes += size;
    for (const [oldest, run] of this.#runs) {
      if (this.#runsBytes <= RUNS_BYTES) break;
      this.#runs.delete(oldest);
      this.#runsBytes -= run.bytes.byteLength;
    }
    return bytes;
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

  /** Calls `waiter.woken()` once, when the next entry (or the end, or a failure) comes. */
  wait(waiter: Waiter): void {
    this.#waiting.add(waiter);
  }

  unwait(waiter: Waiter): void {
    this.#waiting.delete(waiter);
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
      const bytes = share(encodeText(formatEvent(event)));
      this.#entries.push({ stored, bytes }, entrySize(stored.data, stored.event));
    }
    this.loaded = true;
    this.#trim(Date.now());
    this.#wake();
  }

  #trim(now: number): void {
    this.#first += this.#entries.trim(this.#limits, now, (entry) => this.#ids.delete(entry.stored.id));
  }

  /**
   * Wakes the waiting readers once the publishing code running now has finished (a
   * microtask later): events published in one go then reach each reader as one run, one
   * write, and readers at the same place share its bytes (see {@link Log.joined}).
   */
  #wake(): void {
    if (this.#waking || this.#waiting.size === 0) return;
    this.#waking = true;
    queueMicrotask(() => {
      this.#waking = false;
      const waiting = this.#waiting;
      this.#waiting = new Set();
      for (const waiter of waiting) waiter.woken();
    });
  }
}
