/**
 * `durableStore(namespace)`: the `TopicStore` of a Worker whose topics live one per
 * Durable Object (`TopicObject`). Appends are requests to the object; readers are answered
 * by the object itself, which holds every reader's stream; `read()` in the Worker follows
 * the object's feed.
 * @module
 */
import { idDistance } from "../../src/_memory-log.ts";
import { describe, quote } from "../../src/_messages.ts";
import { lastEventId } from "../../src/sse.ts";
import type { TopicStore } from "../../src/store.ts";
import type { TopicNamespace } from "../_types/workers.ts";
import { deferredResponse } from "./deferred.ts";
import { readFeed } from "./feed.ts";
import { APPEND, FOLLOW, ID_MAX, OBJECT_URL, READ, wireInit, type ReadMessage } from "./protocol.ts";

/**
 * A `TopicStore` whose topics live in Durable Objects, one per topic
 * (`namespace.idFromName(topic)`), of the class {@link TopicObject} bound as `namespace`.
 * Every Worker instance reaches the same object for a topic, so readers anywhere resume
 * where they were, and the object's storage keeps the topic through restarts.
 *
 * - `topic.sseResponse(request)` is the object's response: the object holds the reader's
 *   stream (one object fans out to all readers). Return it from a handler wrapped in
 *   `worker()`, which sends the object's response as it is (its status, so 204 for a
 *   client that has everything of an ended topic); elsewhere it still streams, but a 204
 *   arrives as an empty 200.
 * - `publish`, `end`, `fail` are requests to the object; `read()` follows the object.
 * - `run(producer)` runs in the Worker: keep it alive with `ctx.waitUntil(run.done)`, which
 *   Workers allow 30 s past the response.
 *
 * Make the topics per request (`topics({ store: durableStore(env.TOPICS) })`): Workers do
 * not let one request read a stream another opened.
 *
 * @example
 * ```ts
 * import { topics } from "sluice";
 * import { durableStore, TopicObject, worker } from "sluice/workers";
 * export { TopicObject };
 * export default worker(async (request, env: { TOPICS: DurableObjectNamespace }) => {
 *   const room = topics({ store: durableStore(env.TOPICS) }).topic(new URL(request.url).pathname);
 *   if (request.method === "POST") return Response.json({ id: await room.publish(await request.text()) });
 *   return room.sseResponse(request);
 * });
 * ```
 */
export function durableStore<Id>(namespace: TopicNamespace<Id>): TopicStore {
  if (typeof namespace?.idFromName !== "function" || typeof namespace.get !== "function") {
    throw new TypeError(
      `sluice: durableStore() takes a Durable Object namespace binding (env.TOPICS, bound to TopicObject), got ${describe(namespace)}.`,
    );
  }
  const follows = new Set<AbortController>();
  const call = (topic: string, path: string, message: unknown, signal?: AbortSignal) => {
    const init: RequestInit = { method: "POST", body: JSON.stringify(message), headers: { "content-type": "application/json" } };
    if (signal !== undefined) init.signal = signal;
    return namespace.get(namespace.idFromName(topic)).fetch(OBJECT_URL + path, init);
  };

  return {
    async append(topic, entry, retain) {
      const response = await call(topic, APPEND, { topic, entry, retain });
      const answer = (await response.json().catch(() => ({}))) as Answer & { id?: unknown };
      if (response.ok && typeof answer.id === "string") return answer.id;
      throw refusal(topic, response.status, answer);
    },

    follow(topic, sink) {
      const following = new AbortController();
      follows.add(following);
      (async () => {
        const response = await call(topic, FOLLOW, { topic }, following.signal);
        if (!response.ok || response.body === null) {
          throw refusal(topic, response.status, (await response.json().catch(() => ({}))) as Answer);
        }
        await readFeed(response.body, sink);
        throw new Error(`sluice: the Durable Object of topic ${quote(topic)} ended its feed (it restarted); readers reconnect.`);
      })()
        .catch((error: unknown) => {
          if (!following.signal.aborted) sink.error(error);
        })
        .finally(() => follows.delete(following));
      return () => following.abort();
    },

    distance: idDistance,

    respond(topic, request, init, { retain, slow }) {
      const after = lastEventId(request);
      const message: ReadMessage = {
        topic,
        // Longer than any id, and than what a gap event repeats: cut, it is answered the same.
        lastEventId: after === undefined ? null : after.slice(0, ID_MAX + 1),
        retain,
        slow,
        init: wireInit(init),
      };
      return deferredResponse(call(topic, READ, message, init?.signal ?? request.signal), init, topic);
    },

    async close() {
      for (const following of follows) following.abort();
      follows.clear();
    },
  };
}

/** What the object answers to a request it refused. */
interface Answer {
  error?: unknown;
  name?: unknown;
}

/** The error of an append or follow the object refused: the one it threw (`RangeError`, `TypeError` or `Error`), as the memory store would. */
function refusal(topic: string, status: number, { error, name }: Answer): Error {
  if (typeof error !== "string") {
    return new Error(`sluice: the Durable Object of topic ${quote(topic)} answered ${status}; is it bound to TopicObject?`);
  }
  return name === "RangeError" ? new RangeError(error) : name === "TypeError" ? new TypeError(error) : new Error(error);
}
