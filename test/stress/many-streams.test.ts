/**
 * 10,000 concurrent SSE streams on sluice/node for 30 s, idle but for a keep-alive every
 * 5 s: every client must get its keep-alives, and the host's memory per open stream is
 * reported.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { node, type RunningHost } from "../hosts/hosts.ts";
import { type HttpClient, median, MiB, KiB, pool, request } from "../_support/http-client.ts";
import { eventually, sleep } from "../_support/time.ts";
import type { StressState, StressStats } from "../fixture/stress-routes.ts";
import { figures } from "./figures.ts";

const STREAMS = 10_000;
const HOLD_MS = 30_000;
const KEEP_ALIVE_MS = 5_000;
const KEEP_ALIVE = ": keep-alive\n\n";

describe(`${STREAMS.toLocaleString("en")} concurrent SSE streams on node`, () => {
  let server: RunningHost;
  const key = "many";
  const clients: { client: HttpClient; keepAlives: number; events: number; openedAt: number }[] = [];
  let before: StressState;
  let loaded: StressState;
  let held: StressState;
  let openMs = 0;
  let heldMs = 0;
  let after: StressStats;
  let openAfter: StressState;

  beforeAll(async () => {
    server = await node.start({ quiet: true, env: { SLUICE_STRESS: "1" } });
    const json = async <T>(path: string) => (await (await fetch(new URL(path, server.url))).json()) as T;
    before = await json<StressState>("/stress/state?gc=1");
    const started = Date.now();
    await pool(STREAMS, 500, async () => {
      let first!: () => void;
      const ready = new Promise<void>((resolve) => (first = resolve));
      const entry = { client: undefined as unknown as HttpClient, keepAlives: 0, events: 0, openedAt: 0 };
      let tail = "";
      entry.client = request(server.url, `/stress/sse?key=${key}&every=0&keepAlive=${KEEP_ALIVE_MS}`, {
        readSize: 4 * KiB,
        onBody: (piece) => {
          const text = tail + Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString("latin1");
          entry.keepAlives += text.split(KEEP_ALIVE).length - 1 - (tail.split(KEEP_ALIVE).length - 1);
          if (entry.events === 0 && text.includes("data: tick 1\n\n")) {
            entry.events = 1;
            entry.openedAt = Date.now();
            first();
          }
          tail = text.slice(-KEEP_ALIVE.length);
        },
      });
      void entry.client.done.then(() => first()); // a client that failed is counted below, not waited for
      clients.push(entry);
      await ready;
    });
    openMs = Date.now() - started;
    loaded = await json<StressState>("/stress/state?gc=1");
    const allOpen = Math.max(...clients.map((entry) => entry.openedAt));
    // A timer may fire a millisecond early by Date.now(): wait until the clock says so.
    while (Date.now() < allOpen + HOLD_MS) await sleep(Math.max(1, allOpen + HOLD_MS - Date.now()));
    heldMs = Date.now() - allOpen;
    held = await json<StressState>("/stress/state?gc=1");
    for (const { client } of clients) client.close();
    after = await eventually(
      () => json<StressStats>(`/stress/stats?key=${key}`),
      (s) => s.finallies === s.started,
      30_000,
      250,
    );
    openAfter = await json<StressState>("/stress/state");
  }, 180_000);
  afterAll(async () => {
    for (const { client } of clients) client.close();
    await server?.stop();
  });

  test(`all ${STREAMS.toLocaleString("en")} streams opened and stayed open for 30 s`, () => {
    const failed = clients.filter((entry) => entry.events === 0);
    expect(failed.length, "streams that never got their first event").toBe(0);
    expect(loaded.open).toBe(STREAMS);
    expect(held.open, "streams still open after 30 s").toBe(STREAMS);
    expect(heldMs).toBeGreaterThanOrEqual(HOLD_MS);
  });

  test("every client got its keep-alive every 5 s (at least 5 in 30 s)", () => {
    const counts = clients.map((entry) => entry.keepAlives);
    figures("node", "10,000 SSE streams", {
      streams: STREAMS,
      openSeconds: Number((openMs / 1000).toFixed(1)),
      heldSeconds: Number((heldMs / 1000).toFixed(1)),
      keepAlivesMin: Math.min(...counts),
      keepAlivesMedian: median(counts),
      rssBeforeMiB: Number((before.rss! / MiB).toFixed(1)),
      rssLoadedMiB: Number((loaded.rss! / MiB).toFixed(1)),
      rssAfter30sMiB: Number((held.rss! / MiB).toFixed(1)),
      rssKiBPerStream: Number(((held.rss! - before.rss!) / STREAMS / KiB).toFixed(1)),
      heapKiBPerStream: Number(((held.heap! - before.heap!) / STREAMS / KiB).toFixed(1)),
    });
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(Math.floor(HOLD_MS / KEEP_ALIVE_MS) - 1);
  });

  test("when the 10,000 clients leave, every producer's finally runs and open streams return to 0", () => {
    expect(after.started).toBe(STREAMS);
    expect(after.finallies).toBe(STREAMS);
    expect(openAfter.open).toBe(0);
    expect(openAfter.unhandled).toBe(0);
  });
});
