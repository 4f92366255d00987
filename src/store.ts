/**
 * The public interface of a topic store, and the embedded one: `memoryStore()`.
 *
 * A store keeps each topic's log of entries and tells followers, in order, what is
 * appended. Everything else a topic does (encoding, readers, replay, gaps, runs) is
 * sluice's, written once for every store, so a store for another engine (Postgres, NATS,
 * Redis, a Durable Object) only implements the members of {@link TopicStore}.
 * @module
 */
import { idDistance, MemoryLog, tombstoneSeed } from "./_memory-log.ts";
import { checkRetention, type Limits } from "./_retention.ts";
import { unref } from "./_timers.ts";
import type { SSEResponseInit } from "./sse.ts";

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

/** The options of `topics()` a store that answers readers itself ({@link TopicStore.respond}) applies. */
export interface ReaderOptions {
  retain: Retention;
  slow: "skip" | "close";
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
  /**
   * Answers a reader of `topic` itself, for a store that serves readers where it keeps the
   * log (a Durable Object per topic: `durableStore()` of `sluice/workers`):
   * `topic.sseResponse(request, init)` returns what this returns, with `retain` and `slow`
   * the options of `topics()`. Without it, sluice answers readers from its own log of the
   * topic in this process, which follows the store: what every other store wants.
   */
  respond?(topic: string, request: Request, init: SSEResponseInit | undefined, options: ReaderOptions): Response;
  /** Lets go of everything the store holds open. */
  close(): Promise<void>;
}

/** How many forgotten ended topics keep a tombstone (their end mark, without events). */
const TOMBSTONES = 10_000;
/** How often expired events and ended topics are swept, at most. */
const SWEEP_MS = 30_000;

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
      const tombstone = tombstones.get(topic);
      log = new MemoryLog(limits, tombstone && tombstoneSeed(tombstone));
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
      try {
        const limits = checkRetention(retain);
        const log = logOf(topic, limits);
        log.limits = limits;
        const stored = log.append(topic, entry, Date.now());
        if (log.terminal || log.limits.ms !== Infinity) sweepSoon(log.limits);
        return Promise.resolve(stored.id);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    follow(topic, sink) {
      const log = logOf(topic, checkRetention(undefined));
      const unfollow = log.follow(sink, Date.now());
      return () => {
        unfollow();
        if (logs.get(topic) === log && log.expired(Date.now())) forget(topic, log);
      };
    },

    distance: idDistance,

    async close() {
      if (sweeper !== undefined) clearInterval(sweeper);
      sweeper = undefined;
      logs.clear();
      tombstones.clear();
    },
  };
}
