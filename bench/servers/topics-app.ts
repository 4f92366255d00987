/**
 * The fan-out routes written with sluice's topics, the same handler on every runtime:
 * `/subscribe` is one reader of the live topic, `/publish` runs the shared publisher into
 * it, `/replay` replays a topic of {@link REPLAY_EVENTS} retained events. `/latency/subscribe`
 * reads a topic of its own (no history), into which `/latency/publish?rate=R&seconds=S`
 * publishes R stamped events a second (bench/redis-latency.ts). Everything else is the v1
 * routes (`/sse`, `/idle`, `/stats`), so replay and an idle v1 stream are measured on the
 * same server as the topic.
 */
import { memoryStore, topics, type Topic, type TopicStore } from "../../src/index.ts";
import { fanOutEvent, publishEvents, publishPaced, publishParams, REPLAY_EVENTS, RETAINED } from "../publisher.ts";
import { sluiceApp } from "./sluice-app.ts";

/** Publishes `n` events to `topic`, one at a time, as a producer would. */
async function fill(topic: Topic, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await topic.publish(fanOutEvent(i));
}

/** The routes on `store` (the live and latency topics; replay is always in memory: only the memory variant's is measured). */
export async function topicsApp(memory: () => { rss: number; heap: number }, store: TopicStore = memoryStore()) {
  // sluice's default retention. The live topic already holds that many events, so a reader
  // joins a topic with history (and is sent it: a reader with no last id starts at the oldest).
  const shared = topics({ store, retain: { events: RETAINED } });
  const live = shared.topic("live");
  await fill(live, RETAINED);
  // 10 s of the latency workload's events: a reader that falls behind is measured late, not made to skip (slow: "skip").
  const latency = topics({ store, retain: { events: 10_000 } }).topic("latency");
  // Ended, so each replay is exactly the retained log, and its response then ends.
  const replay = topics({ retain: { events: REPLAY_EVENTS } }).topic("replay");
  await fill(replay, REPLAY_EVENTS);
  await replay.end();
  const v1 = sluiceApp(memory);
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/subscribe":
        return live.sseResponse(request);
      case "/replay":
        return replay.sseResponse(request);
      case "/publish": {
        const { m, batch } = publishParams(url);
        await publishEvents(m, batch, (event) => live.publish(event));
        return Response.json({ published: m });
      }
      case "/latency/subscribe":
        return latency.sseResponse(request);
      case "/latency/publish": {
        const number = (name: string) => Number(url.searchParams.get(name));
        return Response.json(await publishPaced(number("rate"), number("seconds"), (event) => latency.publish(event)));
      }
      default:
        return v1(request);
    }
  };
}
