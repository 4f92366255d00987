/**
 * Topics over real HTTP on every host (issue #13): replay then live exactly once while
 * readers reconnect, gap events for ids a host's clients can send, a run resumed across
 * drops, 204 for a client that has everything, and readers forgotten when they leave;
 * and connectEvents (issue #14) running inside each host's runtime.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, test } from "vitest";
import type { Stats } from "../fixture/fixture.ts";
import { exchange, rawRequest } from "../_support/raw.ts";
import { random } from "../_support/random.ts";
import { smallWindowGet } from "../_support/small-window.ts";
import { readReconnecting, readTopic as readTopicAt } from "../_support/read-topic.ts";
import { cut, scriptServer, sse, status } from "../_support/script-server.ts";
import { eventually } from "../_support/time.ts";
import type { SuiteContext } from "./suite.ts";

const GAP_EVENT = "sluice-gap";

export function topicSuite(ctx: SuiteContext): void {
  /** A topic's SSE response at `path` of the host, read as a client does (see `readTopic`). */
  const readTopic = (path: string, lastId: string | undefined, budget = Infinity, init: RequestInit = {}) =>
    readTopicAt(ctx.url(path), lastId, budget, init);

  /** What the host's topics hold: of the topic `of` alone. */
  const state = async (of: string) =>
    (await (await fetch(ctx.url(`/topics/state?of=${of}`))).json()) as {
      logs: number;
      readers: number;
      waiting: number;
      runs: number;
    };

  describe("topics", () => {
    test("8 readers reconnecting at random points during 2,000 publishes each get every event once, in order", async () => {
      const name = ctx.key();
      const next = random(13);
      const N = 2000;
      const reader = () => readReconnecting(ctx.url(`/topics/sse?name=${name}`), next, 300);
      const readers = Array.from({ length: 8 }, reader);
      for (let from = 0; from < N; from += 100) await fetch(ctx.url(`/topics/publish?name=${name}&from=${from}&count=100`));
      await fetch(ctx.url(`/topics/end?name=${name}`));
      const expected = Array.from({ length: N }, (_, i) => String(i));
      for (const { data, rounds } of await Promise.all(readers)) {
        expect(data).toEqual(expected);
        expect(rounds).toBeGreaterThan(3);
      }
    }, 60_000);

    test("a client that has everything of an ended topic gets 204; a newcomer gets the retained history", async () => {
      const name = ctx.key();
      const { last } = (await (await fetch(ctx.url(`/topics/publish?name=${name}&count=3`))).json()) as { last: string };
      await fetch(ctx.url(`/topics/end?name=${name}`));
      expect((await readTopic(`/topics/sse?name=${name}`, last)).status).toBe(204);
      const newcomer = await readTopic(`/topics/sse?name=${name}`, undefined);
      expect(newcomer.seen.map((event) => event.data)).toEqual(["0", "1", "2"]);
      expect(newcomer.ended).toBe(true);
    });

    test.each([
      ["not an id", "garbage"],
      ["10 KB", "x".repeat(10_000)],
      ["bytes past ASCII", "\xff\xfe-1"],
      ["a NUL", "a\0b"],
    ])(
      "a hostile Last-Event-ID (%s) is a gap event then the history, or a 400 the host gives itself: never a 500 or a hang",
      async (_, id) => {
        const name = ctx.key();
        await fetch(ctx.url(`/topics/publish?name=${name}&count=2`));
        await fetch(ctx.url(`/topics/end?name=${name}`));
        const { responses } = await exchange(
          ctx.url("/"),
          rawRequest(`/topics/sse?name=${name}`, { host: "x", connection: "close", "last-event-id": id }),
          { ms: 10_000 },
        );
        const response = responses[0]!;
        if (response.status === 400) return; // the host refused the header before sluice saw it (NUL on most)
        expect(response.status).toBe(200);
        expect(response.complete).toBe(true);
        const events: EventSourceMessage[] = [];
        const parser = createParser({ onEvent: (event) => events.push(event) });
        parser.feed(response.body.toString("utf8"));
        expect(events.map((event) => event.event ?? event.data)).toEqual([GAP_EVENT, "0", "1"]);
        expect(JSON.parse(events[0]!.data)).toMatchObject({ missed: null, reason: "unknown" });
      },
    );

    test("a run resumed across 20 drops at random points: the transcript is what the producer yielded, and it ran once", async () => {
      const name = ctx.key();
      const next = random(99);
      const WORDS = 80;
      const transcript: string[] = [];
      let first = await readTopic(`/topics/run?name=${name}&key=${name}&words=${WORDS}&ms=3`, undefined, 2, { method: "POST" });
      let { seen } = first;
      let lastId: string | undefined;
      for (let drops = 0; ; drops++) {
        for (const event of seen) {
          expect(event.event).toBe("word");
          transcript.push(event.data);
          lastId = event.id;
        }
        if (first.status === 204 || first.ended) break;
        first = await readTopic(`/topics/sse?name=${name}`, lastId, drops < 19 ? 1 + Math.floor(next() * 6) : Infinity);
        seen = first.seen;
      }
      expect(transcript).toEqual(Array.from({ length: WORDS }, (_, i) => `word${i}`));
      const stats = (await (await fetch(ctx.url(`/stats?key=${name}`))).json()) as Stats;
      expect(stats).toMatchObject({ started: 1, produced: WORDS, finallies: 1 });
    }, 30_000);

    test("a reader that reads nothing while 6 MiB are published holds its writer back (not waiting on the log), then gets every byte", async () => {
      const name = ctx.key();
      const path = `/topics/sse?name=${name}`;
      let start!: () => void;
      const hold = new Promise<void>((resolve) => (start = resolve));
      // More than the kernel buffers for a connection (4 MiB of send buffer at most here).
      const slow = smallWindowGet(ctx.url("/"), path, Infinity, hold);
      try {
        await eventually(
          () => state(name),
          (now) => now.waiting === 1,
          5_000,
        );
        const published = await fetch(ctx.url(`/topics/publish?name=${name}&count=6144&size=1000`));
        expect(published.status).toBe(200);
        await published.arrayBuffer();
        // Everything is published and the reader is still writing: it waits for its client, not for the log.
        expect(await state(name)).toMatchObject({ readers: 1, waiting: 0 });
        await fetch(ctx.url(`/topics/end?name=${name}`));
      } finally {
        start();
      }
      const outcome = await slow;
      const whole = new Uint8Array(await (await fetch(ctx.url(path))).arrayBuffer()); // the same log, read at once
      expect(whole.byteLength).toBeGreaterThan(6144 * 1000);
      // Joining an empty topic, the slow reader may have been sent an opening comment first
      // (Bun sends headers only with a first byte); the history read at once has none.
      const opening = outcome.bytes === whole.byteLength + 3 ? ":\n\n" : "";
      let sum = 0;
      for (const byte of new TextEncoder().encode(opening)) sum += byte;
      for (const byte of whole) sum = (sum + byte) % 1000003;
      expect(outcome).toMatchObject({ status: 200, complete: true, error: null, bytes: whole.byteLength + opening.length, sum });
    }, 30_000);

    test("a topic's response pipelined behind a streaming one on the same connection arrives whole, after it, and the connection goes on", async () => {
      const name = ctx.key();
      const run = ctx.key();
      await fetch(ctx.url(`/topics/publish?name=${name}&count=300`));
      await fetch(ctx.url(`/topics/end?name=${name}`));
      // The second response is made while the first is still streaming (5 words, 40 ms apart).
      const { responses } = await exchange(
        ctx.url("/"),
        [
          rawRequest(`/topics/run?name=${run}&key=${run}&words=5&ms=40`, { host: "x" }),
          rawRequest(`/topics/sse?name=${name}`, { host: "x" }),
          rawRequest(`/topics/state?of=${name}`, { host: "x" }),
        ],
        { ms: 10_000 },
      );
      if (ctx.host.cannot?.pipeline) {
        expect(responses.length, ctx.host.cannot.pipeline).toBeLessThan(3);
        return;
      }
      expect(responses.map((r) => [r.status, r.complete])).toEqual([
        [200, true],
        [200, true],
        [200, true],
      ]);
      expect(JSON.parse(responses[2]!.body.toString())).toHaveProperty("readers"); // answered whole after the topic's response
      const data = (body: Buffer) => {
        const events: EventSourceMessage[] = [];
        createParser({ onEvent: (event) => events.push(event) }).feed(body.toString("utf8"));
        return events.map((event) => event.data);
      };
      expect(data(responses[0]!.body)).toEqual(["word0", "word1", "word2", "word3", "word4"]);
      expect(data(responses[1]!.body)).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
    });

    test("readers that leave are forgotten: none left reading or waiting after 50 connect/disconnect cycles", async () => {
      const name = ctx.key();
      await fetch(ctx.url(`/topics/publish?name=${name}&count=1`));
      // workerd tells a response that its client left only when it next writes to it: the
      // keep-alive is that write here (every 15 s by default), so a quiet topic's departed
      // readers are let go within one interval. The other hosts let go at once.
      for (let i = 0; i < 50; i++) await readTopic(`/topics/sse?name=${name}&keepAlive=200`, undefined, 1);
      // Of this topic alone: a reader of another test's topic, cut off while workerd was not
      // pulling its body, is let go only at its writeTimeout.
      const left = await eventually(
        () => state(name),
        (now) => now.readers === 0 && now.waiting === 0,
        5_000,
      );
      expect(left).toMatchObject({ readers: 0, waiting: 0 });
    });
  });
}

/** sluice/client inside each host's runtime (issue #14): connectEvents reading a server this test controls. */
export function clientSuite(ctx: SuiteContext): void {
  describe("connectEvents on this runtime", () => {
    test("reconnects after a clean end, a cut mid-event and a stall, resuming with Last-Event-ID; stops on 204", async () => {
      const target = await scriptServer([
        sse("id: 1\ndata: a\n\n"),
        cut("id: 2\ndata: b\n\nid: 3\ndata: cut off"),
        sse("id: 3\ndata: c\n\n", false),
        status(204),
      ]);
      try {
        // A host of its own, and after the shared host's close() test (see suite.ts): on Bun,
        // with this test before it, that graceful stop() waited its whole grace under load.
        const own = await ctx.host.start();
        const { responses } = await exchange(
          own.url,
          rawRequest(`/client/relay?stall=400&target=${encodeURIComponent(target.url.href)}`, { host: "x", connection: "close" }),
          { ms: 10_000 },
        );
        const result = JSON.parse(responses[0]!.body.toString()) as {
          events: { data: string; lastEventId: string }[];
          lastEventId: string;
          error?: string;
        };
        expect(result.error).toBeUndefined();
        expect(result.events.map(({ data, lastEventId }) => [data, lastEventId])).toEqual([
          ["a", "1"],
          ["b", "2"],
          ["c", "3"],
        ]);
        expect(result.lastEventId).toBe("3");
        expect(target.seen.map((request) => request.headers["last-event-id"])).toEqual([undefined, "1", "2", "3"]);
        await own.stop();
      } finally {
        await target.close();
      }
    });
  });
}
