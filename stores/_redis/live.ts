/**
 * Live reading for the Redis store: one blocking `XREAD` per process, on a connection of
 * its own, over every topic this process follows, each new entry fanned out in memory to
 * the topic's sinks (one per topic: sluice's log of it, which all its readers share). So
 * the Redis commands per published event do not grow with the number of readers.
 * @module
 */
import type { FollowSink, StoredEntry } from "../../src/store.ts";
import { unref } from "../../src/_timers.ts";
import type { Connection, Reply } from "./connection.ts";
import { compareIds, toStored } from "./entries.ts";

/** How long one blocking read waits, ms: a read that never returns would not notice a half-open connection. */
const BLOCK_MS = 10_000;
/** Most entries one read or one page of retained entries brings. */
const COUNT = 1_000;

interface Followed {
  readonly key: string;
  /** The id of the last entry its sinks were given; `undefined` until the first sink has its retained entries. */
  cursor: string | undefined;
  /** Its end or fail entry was read: nothing comes after, so it leaves the blocking read. */
  ended: boolean;
  /** Each sink, and the live entries kept for it while its retained ones load (`undefined` once loaded). */
  readonly sinks: Map<FollowSink, StoredEntry[] | undefined>;
}

/** The blocking read of one store in this process, and the topics it follows. */
export class LiveReads {
  readonly #commands: Connection;
  readonly #blocking: Connection;
  /** The followed topics, by stream key. */
  readonly #topics = new Map<string, Followed>();
  #loop: Promise<void> | undefined;
  /** The blocking connection's client id, for `CLIENT UNBLOCK`; asked again after each reconnection. */
  #blockId: string | undefined;
  /** The read in flight. */
  #current: Promise<unknown> | undefined;
  /** A topic joined after the read in flight was sent. */
  #dirty = false;
  #kicking = false;
  #closed = false;

  constructor(commands: Connection, blocking: Connection) {
    this.#commands = commands;
    this.#blocking = blocking;
    blocking.onReady = () => {
      this.#blockId = undefined;
    };
  }

  /** Gives `sink` the stream's retained entries, then each new one; see `TopicStore.follow`. */
  follow(key: string, sink: FollowSink): () => void {
    let followed = this.#topics.get(key);
    if (followed === undefined) {
      followed = { key, cursor: undefined, ended: false, sinks: new Map() };
      this.#topics.set(key, followed);
    }
    const topic = followed;
    topic.sinks.set(sink, []);
    void this.#load(topic, sink);
    return () => {
      if (topic.sinks.delete(sink) && topic.sinks.size === 0 && this.#topics.get(key) === topic) this.#topics.delete(key);
    };
  }

  close(): void {
    this.#closed = true;
    this.#topics.clear();
  }

  /**
   * The retained entries (`XRANGE`), then the live ones read since `follow` with a newer
   * id: the range is read after the sink joined the topic, so the two overlap and together
   * miss nothing; the overlap is given once.
   */
  async #load(topic: Followed, sink: FollowSink): Promise<void> {
    const entries: StoredEntry[] = [];
    try {
      for (let start = "-"; ; ) {
        const page = (await this.#commands.send(
          ["XRANGE", topic.key, start, "+", "COUNT", String(COUNT)],
          "reading a topic",
        )) as Reply[];
        for (const reply of page) entries.push(toStored(reply));
        if (page.length < COUNT) break;
        start = `(${entries.at(-1)!.id}`;
      }
    } catch (error) {
      if (this.#topics.get(topic.key) !== topic || !topic.sinks.delete(sink)) return; // it left, or was already told
      if (topic.sinks.size === 0) this.#topics.delete(topic.key);
      sink.error(error);
      return;
    }
    const live = topic.sinks.get(sink);
    if (this.#topics.get(topic.key) !== topic || live === undefined) return; // it left meanwhile
    const last = entries.at(-1);
    const lastId = last?.id ?? "0-0";
    for (const entry of live) if (compareIds(entry.id, lastId)! > 0) entries.push(entry);
    topic.sinks.set(sink, undefined);
    if (topic.cursor === undefined) {
      topic.cursor = lastId;
      topic.ended = last !== undefined && last.kind !== "event";
      if (!topic.ended) this.#wake();
    }
    sink.entries(entries);
  }

  /** A topic joined the live read: start the read loop, or make the read in flight start again with it. */
  #wake(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#loop === undefined) {
      this.#loop = this.#run().finally(() => {
        this.#loop = undefined;
        if (this.#dirty) this.#wake(); // a topic joined as the loop was leaving
      });
    } else if (this.#current !== undefined) void this.#kick();
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        const live = [...this.#topics.values()].filter((topic) => topic.cursor !== undefined && !topic.ended);
        this.#dirty = false;
        if (live.length === 0 || this.#closed) return;
        if (this.#blockId === undefined) {
          this.#blockId = String(await this.#blocking.send(["CLIENT", "ID"], "following topics"));
          continue;
        }
        const keys = live.map((topic) => topic.key);
        const ids = live.map((topic) => topic.cursor!);
        const read = this.#blocking.send(
          ["XREAD", "COUNT", String(COUNT), "BLOCK", String(BLOCK_MS), "STREAMS", ...keys, ...ids],
          "following topics",
        );
        this.#current = read;
        let reply: Reply;
        try {
          reply = await read;
        } finally {
          this.#current = undefined;
        }
        if (reply !== null) this.#deliver(reply as Reply[]);
      }
    } catch (error) {
      this.#blockId = undefined;
      if (!this.#closed) this.#fail(error);
    }
  }

  /** Wakes the blocked read (`CLIENT UNBLOCK` from the other connection) so that it is sent again with every topic. */
  async #kick(): Promise<void> {
    if (this.#kicking) return;
    this.#kicking = true;
    try {
      while (this.#dirty && !this.#closed && this.#current !== undefined && this.#blockId !== undefined) {
        const current = this.#current;
        const unblocked = await this.#commands.send(["CLIENT", "UNBLOCK", this.#blockId], "waking the blocking read");
        if (unblocked === 1) await current.then(ignore, ignore);
        else if (this.#current === current) await new Promise((resolve) => unref(setTimeout(resolve, 2))); // not blocking yet
      }
    } catch {
      // The read loop sees a lost connection itself, and tells the sinks.
    } finally {
      this.#kicking = false;
    }
  }

  /** An `XREAD` reply: `[[key, [[id, fields], ...]], ...]`. */
  #deliver(reply: Reply[]): void {
    for (const stream of reply) {
      const [key, messages] = stream as [string, Reply[]];
      const topic = this.#topics.get(key);
      if (topic?.cursor === undefined) continue;
      const batch: StoredEntry[] = [];
      for (const message of messages) {
        const entry = toStored(message);
        // A topic that left and came back during the read may have loaded past it.
        if (compareIds(entry.id, topic.cursor)! > 0) batch.push(entry);
      }
      if (batch.length === 0) continue;
      topic.cursor = batch.at(-1)!.id;
      if (batch.some((entry) => entry.kind !== "event")) topic.ended = true;
      for (const [sink, pending] of topic.sinks) {
        if (pending === undefined) sink.entries(batch);
        else pending.push(...batch);
      }
    }
  }

  /** The blocking connection failed: every follower is told (its readers end as errors and reconnect). */
  #fail(error: unknown): void {
    const topics = [...this.#topics.values()];
    this.#topics.clear();
    for (const topic of topics) for (const sink of topic.sinks.keys()) sink.error(error);
  }
}

function ignore(): void {}
