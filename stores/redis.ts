/**
 * `sluice/redis`: a topic store on Redis Streams, shared by every process (instance) that
 * uses the same Redis. Each topic is a stream; an event's id is its Redis stream id, so
 * every instance, and one restarted, agrees on ids and on what a `Last-Event-ID` means.
 * @module
 */
import { checkRetention } from "../src/_retention.ts";
import { describe, quote } from "../src/_messages.ts";
import type { TopicStore } from "../src/store.ts";
import { Claims } from "./_redis/claims.ts";
import { Connection } from "./_redis/connection.ts";
import { checkName, compareIds, entryFields, idTime } from "./_redis/entries.ts";
import { LiveReads } from "./_redis/live.ts";
import { APPEND } from "./_redis/scripts.ts";

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** The Redis to use: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. Default `redis://127.0.0.1:6379`. */
  url?: string | undefined;
  /**
   * The start of every key the store writes; default `"sluice:"`. A topic's stream is
   * `<prefix>topic:<name>`, its run's claim `<prefix>run:<name>`.
   */
  prefix?: string;
  /** How long a command waits for the first connection before it rejects, ms; default 5,000. */
  connectTimeout?: number;
}

/**
 * How far (ms, either way) from this host's clock the time in a stream id may be for the
 * id to be one this process has not read yet: another instance's reader can be a few ms
 * ahead of this one's, never minutes (the rest is clock skew between hosts and Redis).
 */
const LAG_MS = 60_000;
/** How long an ended topic is kept when `retain.ms` is not set (as the memory store does). */
const ENDED_KEEP_MS = 10 * 60_000;

/**
 * A {@link TopicStore} on Redis Streams (Redis 6.2 or later; not Redis Cluster). Give the
 * same `url` (and `prefix`) to every instance: a reader on any of them gets every event
 * published on any of them, resumes anywhere with its `Last-Event-ID`, and ends when the
 * topic ends; `topic.run()` runs in one instance at a time.
 *
 * - `append` is one Lua script: `XADD` with `MAXLEN =` (exact) for `retain.events`, then
 *   `XTRIM MINID` for `retain.ms` (counted by Redis's clock), unless the stream already
 *   ends with an end or fail entry. `retain.bytes` is refused: Redis cannot trim by size.
 * - Live reading is one blocking `XREAD` per store per process, over every topic this
 *   process reads, fanned out in memory: the commands per published event do not grow
 *   with the readers.
 * - While Redis cannot be reached, `publish` rejects with an error naming the URL
 *   (password masked) and readers' responses end as errors, so clients reconnect; the
 *   store reconnects by itself (backoff up to 2 s).
 *
 * @example
 * ```ts
 * import { topics } from "sluice";
 * import { redisStore } from "sluice/redis";
 *
 * const rooms = topics({ store: redisStore({ url: process.env.REDIS_URL }), retain: { events: 500, ms: 3_600_000 } });
 * ```
 */
export function redisStore(options: RedisStoreOptions = {}): TopicStore {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`sluice: redisStore() takes options like { url, prefix }, got ${describe(options)}.`);
  }
  const { url = "redis://127.0.0.1:6379", prefix = "sluice:", connectTimeout = 5_000 } = options;
  if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) {
    throw new TypeError(`sluice: redisStore's \`url\` must be a redis:// or rediss:// URL, got ${quote(url)}.`);
  }
  if (typeof prefix !== "string")
    throw new TypeError(`sluice: redisStore's \`prefix\` must be a string, got ${describe(prefix)}.`);
  if (typeof connectTimeout !== "number" || !(connectTimeout > 0) || connectTimeout === Infinity) {
    throw new RangeError(`sluice: redisStore's \`connectTimeout\` must be a number of ms > 0, got ${quote(connectTimeout)}.`);
  }
  const commands = new Connection(url, connectTimeout);
  const blocking = commands.duplicate();
  const live = new LiveReads(commands, blocking);
  const claims = new Claims(commands);
  const streamKey = (topic: string) => `${prefix}topic:${topic}`;

  return {
    async append(topic, entry, retain) {
      checkName(topic);
      const limits = checkRetention(retain);
      if (limits.bytes !== Infinity) {
        throw new TypeError(
          "sluice: the Redis store cannot keep `retain.bytes`: Redis trims a stream by count (MAXLEN) or age (MINID) only. " +
            "Use `retain.events` and `retain.ms` instead.",
        );
      }
      const fields = entryFields(entry);
      const args = [
        limits.events === Infinity ? "" : String(limits.events),
        limits.ms === Infinity ? "" : String(limits.ms),
        String(ENDED_KEEP_MS),
        String(fields.length),
        ...fields,
      ];
      const doing = entry.kind === "event" ? "publish" : entry.kind === "end" ? "end()" : "fail()";
      const [appended, id] = (await commands.script(APPEND, [streamKey(topic)], args, doing)) as [number, string];
      if (appended === 0 && entry.kind === "event") {
        throw new Error(
          `sluice: topic ${quote(topic)} has ended; nothing can be published after end() or fail() (or the end of its run).`,
        );
      }
      return id;
    },

    follow(topic, sink) {
      try {
        checkName(topic);
      } catch (error) {
        sink.error(error);
        return () => {};
      }
      return live.follow(streamKey(topic), sink);
    },

    distance(from, to) {
      // Stream ids tell order but not how many entries lay between two of them.
      const order = compareIds(from, to);
      return order !== undefined && order < 0 ? null : undefined;
    },

    pending(id, newest) {
      // A reader that read `id` from another instance, whose blocking read is a little ahead of this one's.
      const time = idTime(id);
      if (time === undefined || Math.abs(time - Date.now()) > LAG_MS) return false;
      return newest === undefined || compareIds(id, newest)! > 0;
    },

    claim(topic, lost) {
      checkName(topic);
      return claims.claim(`${prefix}run:${topic}`, topic, lost);
    },

    async close() {
      live.close();
      claims.close();
      blocking.close();
      commands.close();
    },
  };
}
