/**
 * Retention: how much of a topic's log is kept. One set of rules, applied the same way by
 * every store and by each process's log of a topic, so both trim the same entries.
 * @module
 */
import { describe, quote } from "./_messages.ts";
import type { Retention } from "./store.ts";

/** Checked retention: absent fields are no limit. */
export interface Limits {
  events: number;
  bytes: number;
  ms: number;
}

const DEFAULT_EVENTS = 1000;

/** Checks `retain` (default `{ events: 1000 }`); a bad field is a `RangeError` naming it. */
export function checkRetention(retain: unknown): Limits {
  if (retain === undefined) return { events: DEFAULT_EVENTS, bytes: Infinity, ms: Infinity };
  if (typeof retain !== "object" || retain === null) {
    throw new TypeError(`sluice: \`retain\` must be an object like { events: 1000, bytes, ms }, got ${describe(retain)}.`);
  }
  const { events, bytes, ms } = retain as Retention;
  const limit = (name: string, value: unknown, unit: string): number => {
    if (value === undefined) return Infinity;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(
        `sluice: \`retain.${name}\` must be a whole number of ${unit} >= 1, got ${quote(value)}. Leave it out for no limit of that kind.`,
      );
    }
    return value;
  };
  const limits = { events: limit("events", events, "events"), bytes: limit("bytes", bytes, "bytes"), ms: limit("ms", ms, "ms") };
  if (limits.events === Infinity && limits.bytes === Infinity && limits.ms === Infinity) limits.events = DEFAULT_EVENTS;
  return limits;
}

/** What trimming needs to know of a window of entries, oldest first. */
interface Window {
  readonly count: number;
  readonly bytes: number;
  /** The size and append time (ms since the epoch) of the `i`-th oldest entry. */
  size(i: number): number;
  time(i: number): number;
}

/**
 * How many of the oldest entries to drop so that the window keeps to `limits` at `now`.
 * The newest entry stays even when it alone is over the byte limit: a log that cannot
 * hold its last event would lose it before any reader could.
 */
function excess(window: Window, limits: Limits, now: number): number {
  let drop = Math.max(0, window.count - limits.events);
  let bytes = window.bytes;
  for (let i = 0; i < drop; i++) bytes -= window.size(i);
  while (drop < window.count - 1 && bytes > limits.bytes) bytes -= window.size(drop++);
  if (limits.ms !== Infinity) {
    const oldest = now - limits.ms;
    while (drop < window.count && window.time(drop) < oldest) drop++;
  }
  return drop;
}

/**
 * The retained entries of a log, oldest first, with their sizes: what the memory store
 * keeps of a topic, and what each process's log of it keeps. Trimming drops from the front
 * by moving a head; the array is compacted once most of it has been dropped.
 */
export class Retained<T> implements Window {
  #items: (T | undefined)[] = [];
  #sizes: number[] = [];
  #head = 0;
  /** The sum of the retained entries' sizes. */
  bytes = 0;
  readonly #timeOf: (item: T) => number;

  /** `timeOf`: when an entry was appended (ms since the epoch), for the `ms` limit. */
  constructor(timeOf: (item: T) => number) {
    this.#timeOf = timeOf;
  }

  get count(): number {
    return this.#items.length - this.#head;
  }

  /** The `i`-th oldest retained entry. */
  at(i: number): T {
    return this.#items[this.#head + i]!;
  }

  size(i: number): number {
    return this.#sizes[this.#head + i]!;
  }

  time(i: number): number {
    return this.#timeOf(this.at(i));
  }

  push(item: T, size: number): void {
    this.#items.push(item);
    this.#sizes.push(size);
    this.bytes += size;
  }

  /** Every retained entry, oldest first. */
  all(): T[] {
    return this.#items.slice(this.#head) as T[];
  }

  /** Drops the oldest entries `limits` no longer keep at `now`, telling `dropped` of each; returns how many. */
  trim(limits: Limits, now: number, dropped?: (item: T) => void): number {
    const drop = excess(this, limits, now);
    for (let i = 0; i < drop; i++) {
      const at = this.#head++;
      this.bytes -= this.#sizes[at]!;
      dropped?.(this.#items[at]!);
      this.#items[at] = undefined; // let it be collected now
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
    return drop;
  }
}

/** The size retention counts for an entry: the UTF-8 bytes of its data and event name. */
export function entrySize(data: string, event: string | undefined): number {
  return utf8Length(data) + (event === undefined ? 0 : utf8Length(event));
}

function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a surrogate pair: 2 units, 4 bytes
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}
