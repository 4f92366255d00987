/**
 * The publisher every fan-out server runs: one publisher, many SSE readers of one stream.
 * Portable (Node, Deno, Bun), so the variants differ only in how an event reaches every
 * reader, never in how events are made or how fast they are published.
 */
import { setImmediate } from "node:timers";
import { now } from "./workloads.ts";

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

/** What {@link publishPaced} did: events published, over how long, and how far behind schedule each publish was. */
export interface PacedResult {
  published: number;
  seconds: number;
  /** ms between when an event was due and when it was published (the event loop was busy): p99 and max. */
  lateP99: number;
  lateMax: number;
}

/**
 * Publishes `rate` events a second for `seconds`, as an app fed by I/O does: each when it
 * is due (a timer, then every event due by then), stamped `t` with the time of its
 * `publish` call (`now()`), so a reader's delay is from publish to delivery. How late
 * publishes came (a busy event loop holds the timer back) is measured beside. Publishes
 * are not awaited one by one (a store's round trip would pace them), only at the end.
 */
export async function publishPaced(
  rate: number,
  seconds: number,
  publish: (event: { data: { t: number; i: number } }) => unknown,
): Promise<PacedResult> {
  const total = Math.round(rate * seconds);
  const late = new Float64Array(total);
  const pending: Promise<unknown>[] = [];
  let failure: { error: unknown } | undefined;
  const start = now();
  for (let i = 0; i < total; ) {
    const wait = start + (i * 1000) / rate - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const t = now();
    for (; i < total && start + (i * 1000) / rate <= t; i++) {
      late[i] = t - (start + (i * 1000) / rate);
      const published = Promise.resolve(publish({ data: { t: now(), i } }));
      pending.push(published.catch((error: unknown) => (failure ??= { error })));
    }
  }
  await Promise.all(pending);
  if (failure) throw failure.error;
  const took = (now() - start) / 1000;
  late.sort();
  return { published: total, seconds: took, lateP99: late[Math.floor(0.99 * total)] ?? NaN, lateMax: late[total - 1] ?? NaN };
}
