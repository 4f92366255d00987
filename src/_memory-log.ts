/**
 * One topic's log as a store keeps it in memory: its retained events, the epoch and count
 * its ids are made of, its end mark, and who follows it. `memoryStore()` keeps one per
 * topic; a store that also persists the log (the Durable Object of `sluice/workers`)
 * seeds one from what it saved, so every such store gives ids, trims and ends a topic the
 * same way.
 * @module
 */
import { quote } from "./_messages.ts";
import { entrySize, Retained, type Limits } from "./_retention.ts";
import type { FollowSink, StoredEntry, TopicEntry } from "./store.ts";

/** How long an ended topic is kept when `retain.ms` is not set. */
const ENDED_KEEP_MS = 10 * 60_000;

/** Where a log starts: the epoch and last number of its ids, and the entries it already holds. */
export interface LogSeed {
  epoch: string;
  /** The number of the last id given out (0: none yet). */
  seq: number;
  /** Retained events, oldest first. */
  entries?: readonly StoredEntry[];
  /** The end or fail entry, if the topic has ended. */
  terminal?: StoredEntry;
}

/** One topic's log in memory. */
export class MemoryLog {
  readonly entries = new Retained<StoredEntry>((entry) => entry.time);
  seq: number;
  /** New for each log unless seeded: a topic forgotten and begun again never gives out an id it gave before. */
  readonly epoch: string;
  limits: Limits;
  terminal: StoredEntry | undefined;
  readonly followers = new Set<FollowSink>();

  constructor(limits: Limits, seed?: LogSeed) {
    this.limits = limits;
    this.epoch = seed?.epoch ?? newEpoch();
    this.seq = seed?.seq ?? 0;
    this.terminal = seed?.terminal;
    for (const entry of seed?.entries ?? []) this.entries.push(entry, entrySize(entry.data, entry.event));
  }

  /**
   * Appends `entry` (its id the next of this log), trims, calls `save` (a store that
   * persists the log writes it there before any follower can pass the id on), and tells
   * the followers. A second end or fail gives back the first; an event after the end is an
   * error naming `topic`.
   */
  append(topic: string, entry: TopicEntry, now: number, save?: (stored: StoredEntry) => void): StoredEntry {
    if (this.terminal) {
      if (entry.kind !== "event") return this.terminal;
      throw new Error(
        `sluice: topic ${quote(topic)} has ended; nothing can be published after end() or fail() (or the end of its run).`,
      );
    }
    const stored: StoredEntry = { kind: entry.kind, data: entry.data, id: `${this.epoch}-${++this.seq}`, time: now };
    if (entry.event !== undefined) stored.event = entry.event;
    if (entry.kind === "event") this.entries.push(stored, entrySize(stored.data, stored.event));
    else this.terminal = stored;
    this.trim(now);
    save?.(stored);
    const batch = [stored];
    for (const follower of this.followers) follower.entries(batch);
    return stored;
  }

  /** Gives `sink` every retained entry, then each appended one, until the returned function is called. */
  follow(sink: FollowSink, now: number): () => void {
    this.trim(now);
    this.followers.add(sink);
    sink.entries(this.retained());
    return () => this.followers.delete(sink);
  }

  trim(now: number): void {
    this.entries.trim(this.limits, now);
  }

  retained(): StoredEntry[] {
    const retained = this.entries.all();
    if (this.terminal) retained.push(this.terminal);
    return retained;
  }

  /** Nothing left worth keeping: no follower, and no event (or an ended topic past its time). */
  expired(now: number): boolean {
    if (this.followers.size > 0) return false;
    if (this.terminal)
      return (
        this.entries.count === 0 || now - this.terminal.time >= (this.limits.ms === Infinity ? ENDED_KEEP_MS : this.limits.ms)
      );
    return this.entries.count === 0;
  }
}

/** The seed of a log begun again after its ended predecessor was forgotten: the same epoch and count, and its end. */
export function tombstoneSeed(terminal: StoredEntry): LogSeed | undefined {
  const id = ID.exec(terminal.id);
  return id ? { epoch: id[1]!, seq: Number(id[2]), terminal } : undefined;
}

/** How many entries were appended after `from` up to `to`, if both are ids of one log (same epoch). */
export function idDistance(from: string, to: string): number | undefined {
  const a = ID.exec(from);
  const b = ID.exec(to);
  return a === null || b === null || a[1] !== b[1] ? undefined : Number(b[2]) - Number(a[2]);
}

/** The number of an id of these logs (its place in the log), or `undefined` if it is not one. */
export function idNumber(id: string): number | undefined {
  const match = ID.exec(id);
  return match ? Number(match[2]) : undefined;
}

/** 8 random base-36 characters: a new epoch. */
function newEpoch(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let epoch = "";
  for (const byte of bytes) epoch += (byte % 36).toString(36);
  return epoch;
}

/** Whether `epoch` is one {@link newEpoch} could have made. */
export function isEpoch(epoch: unknown): epoch is string {
  return typeof epoch === "string" && EPOCH.test(epoch);
}

const EPOCH = /^[0-9a-z]{8}$/;
/** An id of these logs: its epoch, and its number. Anchored, no backtracking: linear in the id's length. */
const ID = /^([0-9a-z]{8})-([1-9][0-9]{0,14})$/;
