/**
 * Topics: one log, many readers. A topic is a bounded, append-only log of SSE events;
 * every reader is a position in it that its response's `pull()` advances, so a slow
 * reader costs a cursor, not a backlog, and each event is encoded once for all of them.
 * @module
 */
import { encodeText } from "./_encode.ts";
import { Log } from "./_log.ts";
import { describe, quote } from "./_messages.ts";
import { checkRetention, type Limits } from "./_retention.ts";
import { shutdownReason } from "./_reasons.ts";
import { startRun, type ActiveRun, type TopicRun } from "./_run.ts";
import { CursorSource } from "./_source.ts";
import { unref } from "./_timers.ts";
import { streamed } from "./_streamed.ts";
import { TopicReader } from "./_topic-reader.ts";
import { eventView, sseView, toEntry } from "./_topic-items.ts";
import { formatEvent, keepAliveOf, lastEventId, SSE_TYPE, type SSEItem, type SSEResponseInit } from "./sse.ts";
import { memoryStore, type Retention, type TopicEntry, type TopicStore } from "./store.ts";
import type { ItemResponseInit, Producer } from "./types.ts";

export { GAP_EVENT } from "./gap.ts";
export type { Gap } from "./gap.ts";
export type { TopicRun } from "./_run.ts";

/** Options of {@link topics}. */
export interface TopicsOptions {
  /** Where the logs are kept; default {@link memoryStore} (this process only). */
  store?: TopicStore;
  /** How much of each topic's log is kept; default `{ events: 1000 }`. */
  retain?: Retention;
  /**
   * A reader that falls so far behind that events it has not read leave retention:
   * `"skip"` (default) sends it a gap event and goes on from the oldest retained event;
   * `"close"` ends its response cleanly, so its client reconnects (and then gets the gap event).
   */
  slow?: "skip" | "close";
}

/** An event of a topic, as `read()` yields it and a client receives it. */
export interface TopicEvent {
  id: string;
  /** The event type; absent means `message`. */
  event?: string;
  /** The data, as the client's `event.data` (lines joined by LF; JSON text for objects). */
  data: string;
}

/** The topics of one store. */
export interface Topics {
  /** The topic named `name` (1 to 256 characters); made when first used. */
  topic(name: string): Topic;
  /** Stops every run, ends every reader's response as an error (clients reconnect elsewhere), closes the store. */
  close(): Promise<void>;
}

/** One topic: publish to it, read it, stream it, or run a producer into it. */
export interface Topic {
  readonly name: string;
  /**
   * Appends one event: a string or bytes (its data), or `{ event?, data }` (data not text is
   * JSON). Resolves to the event's id. The store gives ids: an item with `id`, `retry` or
   * `comment` is a `TypeError`, as is publishing after the topic ended.
   */
  publish(item: SSEItem): Promise<string>;
  /** Ends the topic: each reader's response ends cleanly once it has read everything. */
  end(): Promise<void>;
  /** Fails the topic: each reader's response ends as an error (or with `onError`'s event) once it has read everything. */
  fail(): Promise<void>;
  /**
   * The topic's events from the oldest retained (or after `after`, behind a gap event if
   * that id is gone), then live ones, until the topic ends; throws `TopicFailedError` if it
   * fails. `signal` ends the loop.
   */
  read(options?: { after?: string; signal?: AbortSignal }): AsyncIterable<TopicEvent>;
  /**
   * The topic as server-sent events for `request`: every retained event after its
   * `Last-Event-ID` (header, or `?lastEventId=`), then live ones, none lost or sent twice.
   * `request.signal` ends it when the client leaves. A client that has read everything
   * of an ended topic gets 204, which tells `EventSource` to stop reconnecting.
   */
  sseResponse(request: Request, init?: SSEResponseInit): Response;
  /**
   * Runs `producer` detached from any request: each item is published, its end ends the
   * topic, its throw fails it. Clients resume the run by reconnecting; it runs once.
   */
  run(producer: Producer<SSEItem>, options?: { timeout?: number }): TopicRun;
}

/** How long a log no reader uses is kept in this process, so clients that reconnect find it encoded. */
const LINGER_MS = 10_000;
const NAME_MAX = 256;

/**
 * Topics on a store (default: {@link memoryStore}).
 *
 * @example
 * ```ts
 * const rooms = topics({ retain: { events: 500 } });
 * app.post("/rooms/:room", async (c) => c.json({ id: await rooms.topic(c.req.param("room")).publish(await c.req.text()) }));
 * app.get("/rooms/:room", (c) => rooms.topic(c.req.param("room")).sseResponse(c.req.raw));
 * ```
 */
export function topics(options: TopicsOptions = {}): Topics {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`sluice: topics() takes options like { store, retain, slow }, got ${describe(options)}.`);
  }
  const { store = memoryStore(), retain, slow = "skip" } = options;
  if (typeof store?.append !== "function" || typeof store.follow !== "function") {
    throw new TypeError(`sluice: \`store\` must be a TopicStore (e.g. memoryStore()), got ${describe(store)}.`);
  }
  if (slow !== "skip" && slow !== "close") {
    throw new TypeError(`sluice: \`slow\` must be "skip" or "close", got ${quote(slow)}.`);
  }
  return new Hub(store, retain ?? { events: 1000 }, checkRetention(retain), slow);
}

/** The topics of one store, and the logs of those read in this process. @internal */
export class Hub implements Topics {
  readonly store: TopicStore;
  readonly retain: Retention;
  readonly limits: Limits;
  readonly slow: "skip" | "close";
  readonly logs = new Map<string, { log: Log; linger: ReturnType<typeof setTimeout> | undefined }>();
  readonly runs = new Map<string, ActiveRun>();
  closed = false;

  constructor(store: TopicStore, retain: Retention, limits: Limits, slow: "skip" | "close") {
    this.store = store;
    this.retain = retain;
    this.limits = limits;
    this.slow = slow;
  }

  topic(name: string): Topic {
    if (typeof name !== "string" || name.length === 0 || name.length > NAME_MAX) {
      throw new TypeError(
        `sluice: a topic name must be a string of 1 to ${NAME_MAX} characters, got ${typeof name === "string" ? `${name.length} characters` : describe(name)}.`,
      );
    }
    return new TopicHandle(this, name);
  }

  /** The log of `name` in this process, made (following the store) if there is none. */
  open(name: string): Log {
    this.#checkOpen();
    const held = this.logs.get(name);
    if (held !== undefined) {
      clearTimeout(held.linger);
      held.linger = undefined;
      return held.log;
    }
    const log = new Log(name, this.store, this.limits);
    this.logs.set(name, { log, linger: undefined });
    return log;
  }

  /** A reader of `log` ended: once it has none, the log is let go (after a while, if it holds events). */
  release(log: Log): void {
    const held = this.logs.get(log.name);
    if (held?.log !== log || log.readers > 0) return;
    const drop = () => {
      if (this.logs.get(log.name) !== held || log.readers > 0) return;
      this.logs.delete(log.name);
      log.close(shutdownReason());
    };
    if (log.next === log.first || log.failure) drop();
    else {
      clearTimeout(held.linger);
      held.linger = unref(setTimeout(drop, LINGER_MS));
    }
  }

  /** A reader's response from a store that answers readers itself ({@link TopicStore.respond}). */
  respond(name: string, request: Request, init: SSEResponseInit | undefined): Response {
    this.#checkOpen();
    return this.store.respond!(name, request, init, { retain: this.retain, slow: this.slow });
  }

  append(name: string, entry: TopicEntry): Promise<string> {
    this.#checkOpen();
    return this.store.append(name, entry, this.retain);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const runs = [...this.runs.values()];
    for (const run of runs) run.abort(shutdownReason());
    await Promise.all(runs.map((run) => run.done.then(ignore, ignore)));
    for (const { log, linger } of this.logs.values()) {
      clearTimeout(linger);
      log.close(shutdownReason());
    }
    this.logs.clear();
    await this.store.close();
  }

  #checkOpen(): void {
    if (this.closed) throw new Error("sluice: these topics were closed with close(); make new ones with topics().");
  }
}

class TopicHandle implements Topic {
  readonly name: string;
  readonly #hub: Hub;

  constructor(hub: Hub, name: string) {
    this.#hub = hub;
    this.name = name;
  }

  publish(item: SSEItem): Promise<string> {
    let entry: TopicEntry;
    try {
      entry = toEntry(item);
      return this.#hub.append(this.name, entry);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async end(): Promise<void> {
    await this.#hub.append(this.name, { kind: "end", data: "" });
  }

  async fail(): Promise<void> {
    await this.#hub.append(this.name, { kind: "fail", data: "" });
  }

  read(options: { after?: string; signal?: AbortSignal } = {}): AsyncIterable<TopicEvent> {
    const { after, signal } = options ?? {};
    if (after !== undefined && typeof after !== "string") {
      throw new TypeError(`sluice: \`after\` must be an event id (a string), got ${describe(after)}.`);
    }
    const hub = this.#hub;
    const name = this.name;
    return {
      [Symbol.asyncIterator]() {
        const log = hub.open(name);
        const stop = () => reader.return();
        const reader = new TopicReader(log, after, eventView, hub.slow, () => {
          signal?.removeEventListener("abort", stop);
          hub.release(log);
        });
        if (signal?.aborted) reader.return();
        else signal?.addEventListener("abort", stop, { once: true });
        return {
          next: async () => reader.next(),
          return: async () => reader.return(),
        };
      },
    };
  }

  sseResponse(request: Request, init?: SSEResponseInit): Response {
    const after = lastEventId(request);
    const hub = this.#hub;
    const idle = keepAliveOf(init);
    if (hub.store.respond !== undefined) return hub.respond(this.name, request, init);
    const log = hub.open(this.name);
    const reader = new TopicReader(log, after, sseView, hub.slow, () => hub.release(log));
    if (reader.finished) {
      reader.return();
      return new Response(null, { status: 204, headers: { "cache-control": "no-cache" } });
    }
    const { onError, ...rest } = init ?? {};
    const topicInit: ItemResponseInit<Uint8Array> = { ...rest, signal: init?.signal ?? request.signal };
    if (onError !== undefined) {
      // onError gives an SSE event; this body's items are already bytes, so it is encoded here.
      topicInit.onError = (error) => {
        const item = onError(error);
        return item === undefined ? undefined : encodeText(formatEvent(item));
      };
    }
    // No joining: the log hands out runs of events already joined, whose bytes every reader at
    // the same place shares; joining two of them would make each reader a copy of its own.
    const config = { encode: asIs, idle, owned: true, join: false };
    return streamed<Uint8Array>(new CursorSource(reader), topicInit, config, SSE_TYPE);
  }

  run(producer: Producer<SSEItem>, options?: { timeout?: number }): TopicRun {
    const store = this.#hub.store;
    return startRun(this, this.#hub.runs, producer, options, store.claim && ((topic, lost) => store.claim!(topic, lost)));
  }
}

function ignore(): void {}

/** The encoder of a topic's body: its items are already the event's bytes. */
function asIs(bytes: Uint8Array): Uint8Array {
  return bytes;
}
