/**
 * The one topic of a `TopicObject`: its log in memory (the memory store's log, seeded from
 * storage) and in the object's storage, so an object that restarts keeps its retained
 * events, its epoch and its count, and every id given out before the restart still means
 * the same event.
 * @module
 */
import { idDistance, idNumber, isEpoch, MemoryLog, type LogSeed } from "../../src/_memory-log.ts";
import { quote } from "../../src/_messages.ts";
import { checkRetention } from "../../src/_retention.ts";
import type { FollowSink, Retention, StoredEntry, TopicEntry, TopicStore } from "../../src/store.ts";
import type { TopicStorage } from "../_types/workers.ts";

/** The key of what the object knows of its topic besides its events. */
const META = "sluice:meta";
/** Events are kept under this prefix and their number, zero-padded so keys sort in log order. */
const EVENT = "sluice:e:";
/** Most keys one storage call takes. */
const KEYS_PER_CALL = 128;
/**
 * The largest event the object saves, as storage counts it (V8 serialisation: one byte per
 * character up to U+00FF, else two): KV-backed objects take 128 KiB per value.
 */
const EVENT_MAX = 128 * 1024 - 512;

interface Meta {
  topic: string;
  epoch: string;
  seq: number;
  retain?: Retention;
  terminal?: StoredEntry;
}

const eventKey = (n: number) => EVENT + String(n).padStart(16, "0");

/** A topic's log kept in a Durable Object's storage: a `TopicStore` for that one topic. */
export class SavedTopic implements TopicStore {
  readonly #storage: TopicStorage;
  #name: string | undefined;
  #retain: Retention | undefined;
  #log: MemoryLog;
  /** The number of the oldest event in storage (every number from it to the log's count is there). */
  #savedFirst: number;

  /** Reads the topic from `storage`: its events, epoch, count and end. */
  static async load(storage: TopicStorage): Promise<SavedTopic> {
    const meta = await storage.get<Meta>(META);
    const saved = meta === undefined ? [] : [...(await storage.list<StoredEntry>({ prefix: EVENT })).values()];
    return new SavedTopic(storage, meta, saved);
  }

  private constructor(storage: TopicStorage, meta: Meta | undefined, saved: StoredEntry[]) {
    this.#storage = storage;
    let retain: Retention | undefined;
    let seed: LogSeed | undefined;
    if (meta !== undefined && isEpoch(meta.epoch) && Number.isSafeInteger(meta.seq)) {
      this.#name = typeof meta.topic === "string" && meta.topic !== "" ? meta.topic : undefined;
      retain = meta.retain;
      seed = { epoch: meta.epoch, seq: meta.seq, entries: saved };
      if (meta.terminal !== undefined) seed.terminal = meta.terminal;
    }
    this.#retain = retain;
    this.#log = new MemoryLog(checkRetention(retain), seed);
    this.#savedFirst = saved.length > 0 ? (idNumber(saved[0]!.id) ?? 1) : this.#log.seq + 1;
    // What expired while the object was away goes now; an ended topic past its time keeps
    // only its end mark (as the memory store keeps a tombstone), so a client that comes
    // back is told it ended.
    const now = Date.now();
    if (seed?.terminal !== undefined && this.#log.expired(now)) {
      this.#log = new MemoryLog(this.#log.limits, { epoch: seed.epoch, seq: seed.seq, terminal: seed.terminal });
    } else this.#log.trim(now);
    if (this.#firstKept() > this.#savedFirst) this.#save(undefined);
  }

  append(topic: string, entry: TopicEntry, retain: Retention): Promise<string> {
    try {
      this.#claim(topic);
      this.#log.limits = checkRetention(retain);
      this.#retain = retain;
      checkSize(topic, entry);
      const stored = this.#log.append(topic, entry, Date.now(), (stored) => this.#save(stored));
      return Promise.resolve(stored.id);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  follow(topic: string, sink: FollowSink): () => void {
    this.#claim(topic);
    const unfollow = this.#log.follow(sink, Date.now());
    if (this.#firstKept() > this.#savedFirst) this.#save(undefined); // `ms` retention expired some
    return unfollow;
  }

  distance(from: string, to: string): number | undefined {
    return idDistance(from, to);
  }

  /** Nothing to let go of: the object's storage is the platform's. */
  async close(): Promise<void> {}

  /** How many followers the log has (the object's readers' logs, and Workers' `read()`s). */
  get followers(): number {
    return this.#log.followers.size;
  }

  /**
   * The object holds one topic: the first name it is asked for, kept in storage. Another
   * name means the namespace is shared with something that does not name objects by topic.
   */
  #claim(topic: string): void {
    if (this.#name === undefined) this.#name = topic;
    else if (topic !== this.#name) {
      throw new TypeError(
        `sluice: this TopicObject holds topic ${quote(this.#name)}, not ${quote(topic)}. durableStore() gives each topic ` +
          "its own object (namespace.idFromName(topic)); bind TopicObject to a namespace that nothing else uses.",
      );
    }
  }

  /** The number of the oldest event the log keeps (the next number if it keeps none). */
  #firstKept(): number {
    const log = this.#log;
    return log.entries.count > 0 ? (idNumber(log.entries.at(0).id) ?? log.seq + 1) : log.seq + 1;
  }

  /**
   * Writes `stored` with the log's count, and deletes what retention dropped, in calls made
   * with no await between them: the object's storage commits them as one atomic write, and
   * holds back everything the object sends (a reader's bytes, the publisher's answer) until
   * it is durable, so no id leaves the object before the event it names is saved.
   */
  #save(stored: StoredEntry | undefined): void {
    const log = this.#log;
    const meta: Meta = { topic: this.#name ?? "", epoch: log.epoch, seq: log.seq };
    if (this.#retain !== undefined) meta.retain = this.#retain;
    if (log.terminal !== undefined) meta.terminal = log.terminal;
    const first = this.#firstKept();
    const puts: Record<string, unknown> = { [META]: meta };
    if (stored?.kind === "event" && log.entries.count > 0) puts[eventKey(idNumber(stored.id)!)] = stored;
    const gone: string[] = [];
    for (let n = this.#savedFirst; n < first; n++) gone.push(eventKey(n));
    this.#savedFirst = first;
    const failed = (error: unknown) => console.error("sluice: a TopicObject could not save its topic:", error);
    this.#storage.put(puts).catch(failed);
    for (let i = 0; i < gone.length; i += KEYS_PER_CALL) this.#storage.delete(gone.slice(i, i + KEYS_PER_CALL)).catch(failed);
  }
}

/** An event too large for the object's storage is refused before it gets an id. */
function checkSize(topic: string, entry: TopicEntry): void {
  const text = entry.event === undefined ? entry.data : entry.data + entry.event;
  const size = WIDE.test(text) ? text.length * 2 : text.length;
  if (size > EVENT_MAX) {
    throw new RangeError(
      `sluice: an event of topic ${quote(topic)} takes ${size} bytes in a Durable Object's storage, more than the ` +
        `${EVENT_MAX} it holds per event. Publish a reference instead (an R2 key, a URL) and fetch the data from it.`,
    );
  }
}

/** A character past U+00FF: the string is stored two bytes per character. */
const WIDE = /[^\u0000-\u00ff]/;
