/**
 * `TopicObject`: the Durable Object that holds one topic. Its log is sluice's own
 * (`topics()` over a {@link SavedTopic}, the memory store's log kept in the object's
 * storage too), so retention, ids, end, failure, gaps and readers behave as they do in one
 * process; what the object adds is that every Worker of the deployment reaches the same one.
 * @module
 */
import { describe, quote } from "../../src/_messages.ts";
import { topicsState } from "../../src/_topics-state.ts";
import { topics, type Topics } from "../../src/topics.ts";
import type { SSEResponseInit } from "../../src/sse.ts";
import type { ReaderOptions, TopicEntry } from "../../src/store.ts";
import type { TopicObjectState } from "../_types/workers.ts";
import { worker } from "../workers.ts";
import { followStream } from "./feed.ts";
import {
  APPEND,
  FOLLOW,
  ID_MAX,
  message,
  OBJECT_URL,
  READ,
  type AppendMessage,
  type FollowMessage,
  type ReadMessage,
  type WireInit,
} from "./protocol.ts";
import { SavedTopic } from "./saved-topic.ts";

/** Most sets of reader options (`retain`, `slow`) an object serves at once; Workers of one namespace share one. */
const HUBS = 4;

/**
 * The Durable Object class that holds a topic for {@link durableStore}: export it from
 * the Worker's main module and bind it (wrangler config, README "Cloudflare Durable
 * Objects"). It is a plain class with `fetch`, so it needs no `cloudflare:workers` import:
 * the Worker reaches it only through `durableStore(env.TOPICS)`.
 *
 * The object keeps its topic's retained events in memory and in its storage (each append
 * is one atomic write; the object sends nothing until it is durable), streams to every
 * reader itself, and after a restart (an eviction, a deployment) loads them back with
 * their epoch, so a `Last-Event-ID` from before the restart resumes exactly.
 *
 * @example
 * ```ts
 * import { durableStore, TopicObject, worker } from "sluice/workers";
 * export { TopicObject };
 * export default worker((request, env) => topics({ store: durableStore(env.TOPICS) }).topic("news").sseResponse(request));
 * ```
 */
export class TopicObject {
  readonly #state: TopicObjectState;
  #topic: SavedTopic | undefined;
  /** `topics()` over the saved topic, one per set of reader options, newest last. */
  readonly #hubs = new Map<string, Topics>();
  /** Workers following the topic (their `read()`s). */
  #feeds = 0;
  readonly #served = worker((request) => this.#route(request));

  constructor(state: TopicObjectState, _env?: unknown) {
    this.#state = state;
    // Requests wait until the topic is loaded (Durable Objects deliver none during this).
    void state.blockConcurrencyWhile(async () => {
      this.#topic = await SavedTopic.load(state.storage);
    });
  }

  /** Answers `durableStore()`'s requests (append, follow, read); nothing else should call it. */
  fetch(request: Request): Promise<Response> {
    return this.#served.fetch(request, undefined, this.#state);
  }

  /** What the object holds now: its readers and those waiting for an event, logs in memory, Workers following. @internal */
  protected get held(): { readers: number; waiting: number; logs: number; feeds: number } {
    const held = { readers: 0, waiting: 0, logs: 0, feeds: this.#feeds };
    for (const hub of this.#hubs.values()) {
      const state = topicsState(hub);
      held.readers += state.readers;
      held.waiting += state.waiting;
      held.logs += state.logs;
    }
    return held;
  }

  async #route(request: Request): Promise<Response> {
    const topic = this.#topic!;
    const path = new URL(request.url).pathname;
    try {
      if (request.method !== "POST")
        throw new TypeError(`sluice: a TopicObject takes POST requests, got ${quote(request.method)}.`);
      if (path === APPEND) {
        const { topic: name, entry, retain } = await message<AppendMessage>(request, "append");
        return Response.json({ id: await topic.append(name, checkEntry(entry), retain) });
      }
      if (path === FOLLOW) {
        const { topic: name } = await message<FollowMessage>(request, "follow");
        this.#feeds++;
        const body = followStream(topic, name, request.signal, () => this.#feeds--);
        return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
      }
      if (path === READ) {
        const read = await message<ReadMessage>(request, "read");
        const url = new URL(OBJECT_URL);
        if (typeof read.lastEventId === "string") url.searchParams.set("lastEventId", read.lastEventId.slice(0, ID_MAX + 1));
        const init: SSEResponseInit = { ...fromWire(read.init), signal: request.signal };
        return this.#hub(read).topic(read.topic).sseResponse(new Request(url), init);
      }
      return Response.json({ error: `sluice: a TopicObject has no route ${quote(path)}.` }, { status: 404 });
    } catch (error) {
      // 409: the topic has ended; 400: a request the object cannot take. The Worker throws the same error.
      const status = error instanceof TypeError || error instanceof RangeError ? 400 : 409;
      const { name, message } = error instanceof Error ? error : { name: "Error", message: String(error) };
      return Response.json({ error: message, name }, { status });
    }
  }

  /** `topics()` for these reader options: the one already serving them, or a new one over the same saved topic. */
  #hub({ retain, slow }: ReaderOptions): Topics {
    const key = `${slow}:${JSON.stringify(retain)}`;
    let hub = this.#hubs.get(key);
    if (hub === undefined) {
      hub = topics({ store: this.#topic!, retain, slow });
      this.#hubs.set(key, hub);
      if (this.#hubs.size > HUBS) {
        const [oldest, old] = this.#hubs.entries().next().value!;
        this.#hubs.delete(oldest);
        void old.close(); // its readers end as errors and reconnect with the options of today
      }
    }
    return hub;
  }
}

/** An entry as `durableStore()` sends it; anything else is a `TypeError`. */
function checkEntry(entry: unknown): TopicEntry {
  const { kind, data, event } = (entry ?? {}) as Partial<TopicEntry>;
  if ((kind === "event" || kind === "end" || kind === "fail") && typeof data === "string") {
    if (event === undefined) return { kind, data };
    if (typeof event === "string" && !/[\r\n]/.test(event)) return { kind, data, event };
  }
  throw new TypeError(`sluice: a TopicObject appends entries like { kind: "event", data }, got ${describe(entry)}.`);
}

/** A reader's response options as they came from the Worker. */
function fromWire(wire: WireInit | undefined): SSEResponseInit {
  const { headers, ...rest } = wire ?? {};
  return headers === undefined ? rest : { ...rest, headers: new Headers(headers) };
}
