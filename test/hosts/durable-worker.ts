/**
 * The Worker of the Durable Object tests (test/conformance/durable.test.ts): topics on
 * `durableStore(env.TOPICS)`, read and written over HTTP, and the object class bound as
 * TOPICS, which also tells what it holds (`/held`).
 */
import { sleep } from "../_support/time.ts";
import { durableStore, TopicObject, worker, type TopicNamespace } from "../../runtimes/workers.ts";
import { topics, type TopicEvent } from "../../src/index.ts";

interface Env {
  TOPICS: TopicNamespace;
}

/** TopicObject, and what it holds at `/held` for the tests. */
export class TestTopicObject extends TopicObject {
  override fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === "/held") return Promise.resolve(Response.json(this.held));
    return super.fetch(request);
  }
}

export default worker<Env>(async (request, env, ctx) => {
  const url = new URL(request.url);
  const name = url.searchParams.get("name") ?? "default";
  const number = (param: string, fallback: number) => Number(url.searchParams.get(param) ?? fallback);
  const hub = topics({ store: durableStore(env.TOPICS), retain: { events: number("retain", 20_000) } });
  const topic = hub.topic(name);
  switch (url.pathname) {
    // `status`: the status (and a Location) a handler may give a reader's response, e.g. 201 for a stream it started.
    case "/sse":
      return topic.sseResponse(request, {
        keepAlive: number("keepAlive", 15_000),
        ...(url.searchParams.has("status") && { status: number("status", 200), headers: { location: `/sse?name=${name}` } }),
        ...(url.searchParams.has("onError") ? { onError: () => ({ event: "failed", data: "the topic failed" }) } : {}),
      });
    // The response copied into a new one, as middleware that sets a header does: worker() no longer sees it is the object's.
    case "/sse-copied": {
      const response = topic.sseResponse(request, {
        keepAlive: number("keepAlive", 15_000),
        ...(url.searchParams.has("status") && { status: number("status", 200) }),
      });
      return new Response(response.body, response);
    }
    // Publishes `count` events whose data are the numbers from `from`.
    case "/publish": {
      const from = number("from", 0);
      let last = "";
      for (let i = from; i < from + number("count", 1); i++) last = await topic.publish(String(i));
      return Response.json({ last });
    }
    case "/end":
      await topic.end();
      return new Response("ended");
    case "/fail":
      await topic.fail();
      return new Response("failed");
    // Publishes after the end: the object's refusal, as publish() rejects with it.
    case "/publish-after-end":
      return topic.publish("late").then(
        () => new Response("published", { status: 500 }),
        (error: Error) => Response.json({ name: error.name, message: error.message }),
      );
    // Publishes one event of `bytes` characters: the object's refusal, as publish() rejects with it.
    case "/publish-big":
      return topic.publish("x".repeat(number("bytes", 0))).then(
        (id) => Response.json({ id }),
        (error: Error) => Response.json({ name: error.name, message: error.message }),
      );
    // read() in the Worker, following the object: every event after `after` until the end (or `limit`), or the error.
    case "/read": {
      const events: TopicEvent[] = [];
      const after = url.searchParams.get("after");
      try {
        for await (const event of topic.read(after === null ? {} : { after })) {
          events.push(event);
          if (events.length >= number("limit", Infinity)) break;
        }
        return Response.json({ events });
      } catch (error) {
        return Response.json({ events, error: (error as Error).name });
      }
    }
    // A run in the Worker, kept alive past the response: `words` words, one every `ms` ms.
    case "/run": {
      const words = number("words", 20);
      const ms = number("ms", 5);
      const run = topic.run(async function* (signal) {
        for (let i = 0; i < words; i++) {
          yield { event: "word", data: `word${i}` };
          await sleep(ms, signal);
        }
      });
      ctx.waitUntil(run.done.catch(() => {}));
      return topic.sseResponse(request);
    }
    case "/held":
      return env.TOPICS.get(env.TOPICS.idFromName(name)).fetch("https://topic.test/held");
  }
  return new Response("not found", { status: 404 });
});
