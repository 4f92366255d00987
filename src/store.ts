/**
 * The public interface of a topic store, and the embedded one: `memoryStore()`.
 *
 * A store keeps each topic's log of entries and tells followers, in order, what is
 * appended. Everything else a topic does (encoding, readers, replay, gaps, runs) is
 * sluice's, written once for every store, so a store for another engine (Postgres, NATS,
 * Redis, a Durable Object) only implements the four members of {@link TopicStore}.
 * @module
 */
import { checkRetention, entrySize, Retained, type Limits } from "./_retention.ts";
import { quote } from "./_messages.ts";
import { unref } from "./_timers.ts";

/**
 * How much of a topic's log is kept; default `{ events: 1000 }`. Every limit given
 * applies; the oldest entries go first. A topic that has ended is forgotten when its
 * events have all expired by `ms`, or 10 minutes after its end if `ms` is not set, once
 * no reader is following it; the memory store keeps its end mark (a tombstone, for the
 * last 10,000 such topics), so a client that comes back then is told it ended.
 */
export interface Retention {
  /** Most events kept. Exact in the memory store; a store may trim approximately if it says so. */
  events?: number;
  /** Most bytes of event data (UTF-8, with event names) kept; the newest event always stays. */
  bytes?: number;
  /** ms an event is kept after it was published. */
  ms?: number;
}

/** What is appended to a topic: an event, or the mark that ends the topic cleanly or as a failure. */
export interface TopicEntry {
  kind: "event" | "end" | "fail";
  /** The SSE event type; absent means `message`. */
  event?: string;
  /** The event's data as a client receives it (lines joined by LF); "" for end and fail. */
  data: string;
}

/** An entry as the store keeps it: with its id, and when it was appended. */
export interface StoredEntry extends TopicEntry {
  /** Opaque, unique in the topic, in append order; sent to clients as the SSE `id`. */
  id: string;
  /** ms since the epoch when it was appended (the `ms` retention counts from it). */
  time: number;
}

/** Who follows a topic: sluice's log of it in this process. */
export interface FollowSink {
  /** Entries in append order, each once: first every retained one (maybe none), then the new ones. */
  entries(batch: readonly StoredEntry[]): void;
  /** The store can no longer follow the topic (its engine is gone): readers end as errors and reconnect. */
  error(error: unknown): void;
}

/**
 * Where topics keep their logs. `topics({ store })` takes any object of this shape; the
 * memory store is one, and a store for another engine can be written outside sluice.
 *
 * - Ids are opaque strings, unique within a topic and in append order; a store that is
 *   restarted without its data must not give out an old id again (add an epoch to them).
 * - Retention is applied by the store with each `append`; sluice's log applies the same
 *   rules, so both keep the same entries.
 * - After an `end` or `fail` entry, the store rejects further appends of events; a second
 *   `end` or `fail` resolves to the id of the first.
 *
 * @example
 * ```ts
 * const chat = topics({ store: memoryStore(), retain: { events: 500, ms: 3_600_000 } });
 * ```
 */
export interface TopicStore {
  /** Appends `entry` to `topic`, trims the log to `retain`, and resolves to the entry's id. */
  append(topic: string, entry: TopicEntry, retain: Retention): Promise<string>;
  /**
   * Calls `sink.entries` with every retained entry of `topic`, oldest first, then with each
   * entry appended after, in order, none missed and none twice, until the returned function
   * is called.
   */
  follow(topic: string, sink: FollowSink): () => void;
  /**
   * How many entries were appended after `from` up to and including `to`, when the store
   * can tell (same epoch, well-formed ids); lets a gap event say how many were missed.
   * `null`: `from` is an id of this topic older than `to`, but the count is unknown (a gap
   * event of reason `"evicted"` with `missed: null`); `undefined`: not comparable (`"unknown"`).
   */
  distance?(from: string, to: string): number | null | undefined;
  /**
   * Optional, for stores shared by several processes, whose live read may lag another
   * process's: whether `id`, not in this process's log, may be an entry it has not been
   * given yet (newer than `newest`, the newest it holds, if any). A reader resuming after
   * such an id waits for it instead of getting a gap event at once. Answer `false` for an
   * id that cannot be one (malformed, or too far ahead), or that reader waits until the
   * log passes it.
   */
  pending?(id: string, newest: string | undefined): boolean;
  /**
   * Optional, for stores shared by several processes: claims the right to run `topic`'s
   * producer (`topic.run()`) until the returned function releases it, so a run goes on in
   * one process at a time. Rejects with an error saying so while another process holds
   * the claim (that `run()`'s `done` rejects with it; its producer never starts). Calls
   * `lost` if the claim is lost before release (the run is then stopped as a failure).
   * Without it, a run is one per topic per process only.
   */
  claim?(topic: string, lost: (error: unknown) => void): Promise<() => Promise<void>>;
  /** Lets go of everything the store holds open. */
  close(): Promise<void>;
}

/** How long an ended topic is kept when `retain.ms` is not set. */
const ENDED_KEEP_MS = 10 * 60_000;
/** How many forgotten ended topics keep a tombstone (their end mark, without events). */
const TOMBSTONES = 10_000;
/** How often expired events and ended topics are swept, at most. */
const SWEEP_MS = 30_000;

/** One topic's log in the memory store. */
class MemoryLog {
  readonly entries = new Retained<StoredEntry>((entry) => entry.time);
  seq = 0;
  /** New for each log: a topic forgotten and begun again never gives out an id it gave before. */
  readonly epoch: string;
  limits: Limits;
  terminal: StoredEntry | undefined;
  readonly followers = new Set<FollowSink>();

  constructor(limits: Limits, tombstone?: StoredEntry) {
    this.limits = limits;
    const id = tombstone && ID.exec(tombstone.id);
    this.epoch = id ? id[1]! : newEpoch();
    if (id) {
      this.seq = Number(id[2]);
      this.terminal = tombstone;
    }
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

/**
 * The embedded store: each topic's log in this process's memory, trimmed exactly to its
 * retention. Ids are `<epoch>-<n>`: the epoch is new for each log, so an id from before a
 * restart (or from a topic since forgotten) is told apart from every id given out since,
 * and its reader gets a gap event.
 * Topics with no events and no readers take no memory; ended ones are forgotten as
 * {@link Retention} says.
 *
 * @example
 * ```ts
 * const feeds = topics({ store: memoryStore(), retain: { events: 1000, ms: 600_000 } });
 * ```
 */
export function memoryStore(): TopicStore {
  const logs = new Map<string, MemoryLog>();
  /**
   * The end marks of ended topics since forgotten, oldest first: a client that comes back
   * after its topic has gone is told it ended (204), not shown a new topic that never ends.
   */
  const tombstones = new Map<string, StoredEntry>();
  let sweeper: ReturnType<typeof setInterval> | undefined;

  const logOf = (topic: string, limits: Limits): MemoryLog => {
    let log = logs.get(topic);
    if (log === undefined) {
      log = new MemoryLog(limits, tombstones.get(topic));
      tombstones.delete(topic);
      logs.set(topic, log);
    }
    return log;
  };
  const forget = (topic: string, log: MemoryLog) => {
    logs.delete(topic);
    if (log.terminal === undefined) return;
    tombstones.set(topic, log.terminal);
    if (tombstones.size > TOMBSTONES) tombstones.delete(tombstones.keys().next().value!);
  };
  const sweep = () => {
    const now = Date.now();
    for (const [name, log] of logs) {
      log.trim(now);
      if (log.expired(now)) forget(name, log);
    }
    if (logs.size === 0 && sweeper !== undefined) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  const sweepSoon = (limits: Limits) => {
    if (sweeper === undefined) sweeper = unref(setInterval(sweep, Math.min(SWEEP_MS, Math.max(100, limits.ms / 4))));
  };

  return {
    append(topic, entry, retain) {
      const limits = checkRetention(retain);
      const log = logOf(topic, limits);
      log.limits = limits;
      if (log.terminal) {
        if (entry.kind !== "event") return Promise.resolve(log.terminal.id);
        return Promise.reject(
          new Error(
            `sluice: topic ${quote(topic)} has ended; nothing can be published after end() or fail() (or the end of its run).`,
          ),
        );
      }
      const now = Date.now();
      const stored: StoredEntry = { kind: entry.kind, data: entry.data, id: `${log.epoch}-${++log.seq}`, time: now };
      if (entry.event !== undefined) stored.event = entry.event;
      if (entry.kind === "event") log.entries.push(stored, entrySize(stored.data, stored.event));
      else {
        log.terminal = stored;
      }
      log.trim(now);
      if (log.terminal || log.limits.ms !== Infinity) sweepSoon(log.limits);
      const batch = [stored];
      for (const follower of log.followers) follower.entries(batch);
      return Promise.resolve(stored.id);
    },

    follow(topic, sink) {
      const log = logOf(topic, checkRetention(undefined));
      log.trim(Date.now());
      log.followers.add(sink);
      sink.entries(log.retained());
      const followed = log;
      return () => {
        followed.followers.delete(sink);
        if (logs.get(topic) === followed && followed.expired(Date.now())) forget(topic, followed);
      };
    },

    distance(from, to) {
      const a = ID.exec(from);
      const b = ID.exec(to);
      return a === null || b === null || a[1] !== b[1] ? undefined : Number(b[2]) - Number(a[2]);
    },

    async close() {
      if (sweeper !== undefined) clearInterval(sweeper);
      sweeper = undefined;
      logs.clear();
      tombstones.clear();
    },
  };
}

/** 8 random base-36 characters: a new epoch. */
function newEpoch(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let epoch = "";
  for (const byte of bytes) epoch += (byte % 36).toString(36);
  return epoch;
}

/** A memory store id: its epoch, and its number. Anchored, no backtracking: linear in the id's length. */
const ID = /^([0-9a-z]{8})-([1-9][0-9]{0,14})$/;
