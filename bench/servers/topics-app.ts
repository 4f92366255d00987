/**
 * The fan-out routes written with sluice's topics, the same handler on every runtime:
 * `/subscribe` is one reader of the live topic, `/publish` runs the shared publisher into
 * it, `/replay` replays a topic of {@link REPLAY_EVENTS} retained events. Everything else
 * is the v1 routes (`/sse`, `/idle`, `/stats`), so replay and an idle v1 stream are
 * measured on the same server as the topic.
 */
import { topics, type Topic } from "../../src/index.ts";
import { fanOutEvent, publishEvents, publishParams, REPLAY_EVENTS, RETAINED } from "../publisher.ts";
import { sluiceApp } from "./sluice-app.ts";

/** Publishes `n` events to `topic`, one at a time, as a producer would. */
async function fill(topic: Topic, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await topic.publish(fanOutEvent(i));
}

export async function topicsApp(memory: () => { rss: number; heap: number }) {
  // sluice's default retention. The live topic already holds that many events, so a reader
  // joins a topic with history (and is sent it: a reader with no last id starts at the oldest).
  const live = topics({ retain: { events: RETAINED } }).topic("live");
  await fill(live, RETAINED);
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
      default:
        return v1(request);
    }
  };
}
