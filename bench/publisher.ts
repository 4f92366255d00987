/**
 * The publisher every fan-out server runs: one publisher, many SSE readers of one stream.
 * Portable (Node, Deno, Bun), so the variants differ only in how an event reaches every
 * reader, never in how events are made or how fast they are published.
 */
import { setImmediate } from "node:timers";

/** One published event: the same ~25 bytes of JSON data as the `sse` workload's. */
export interface FanOutEvent {
  data: { token: string; i: number };
}

/** What a variant does with each event: publish it to every reader (may return a promise). */
export type Publish = (event: FanOutEvent) => unknown;

export const fanOutEvent = (i: number): FanOutEvent => ({ data: { token: "tok123", i } });

/**
 * Publishes `m` events as fast as the server can: `batch` at a time, then a turn of the
 * event loop, so sockets are written and requests answered between batches. `batch` 100
 * is a burst; `batch` 1 is a publisher fed by I/O one message at a time. A promise a
 * publish returns is awaited once per batch (sluice's settle at once with the memory
 * store); the other variants' publish returns nothing.
 */
export async function publishEvents(m: number, batch: number, publish: Publish): Promise<void> {
  for (let i = 0; i < m; ) {
    const end = Math.min(m, i + batch);
    let last: unknown;
    for (; i < end; i++) last = publish(fanOutEvent(i));
    await last;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Events a topic retains: sluice's default, and the live topic holds that many before any reader comes. */
export const RETAINED = 1000;

/** Events retained in the replay topic, replayed in full to each reader that has no Last-Event-ID. */
export const REPLAY_EVENTS = 10_000;

/** The query of `/publish`: events to publish and how many per turn of the event loop. */
export function publishParams(url: URL): { m: number; batch: number } {
  return { m: Number(url.searchParams.get("m") ?? 1000), batch: Number(url.searchParams.get("batch") ?? 100) };
}

/**
 * The routes every fetch-handler fan-out variant shares besides `/subscribe`: `/publish`
 * runs the publisher into `publish`, `/stats` is the server's memory, anything else 404.
 */
export async function fanOutFetchRoute(
  url: URL,
  publish: Publish,
  memory: () => { rss: number; heap: number },
): Promise<Response> {
  switch (url.pathname) {
    case "/publish": {
      const { m, batch } = publishParams(url);
      await publishEvents(m, batch, publish);
      return Response.json({ published: m });
    }
    case "/stats":
      return Response.json(memory());
    default:
      return new Response("not found", { status: 404 });
  }
}
