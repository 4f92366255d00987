import { getEventListeners } from "node:events";
import type { EventSourceMessage } from "eventsource-parser";
import { readEvents } from "../../src/client.ts";
import { afterEach, describe, expect, test } from "vitest";
import {
  GAP_EVENT,
  memoryStore,
  StreamAbortError,
  TopicFailedError,
  topics,
  type Topic,
  type Topics,
  type TopicsOptions,
} from "../../src/index.ts";
import { topicsState } from "../../src/_topics-state.ts";
import { decoder, sleep } from "./helpers.ts";
import { random } from "../_support/random.ts";

const opened: Topics[] = [];
function hub(options?: TopicsOptions): Topics {
  const made = topics(options);
  opened.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((made) => made.close()));
});

/** A GET of a topic, resuming after `lastId` (sent as `Last-Event-ID`). */
function request(lastId?: string, signal?: AbortSignal): Request {
  const init: RequestInit = {};
  if (lastId !== undefined) init.headers = { "last-event-id": lastId };
  if (signal) init.signal = signal;
  return new Request("http://topics.test/t", init);
}

/** The events of an SSE response as a client parses them (sluice's reader: leaving the loop cancels the body). */
const events = (response: Response) => readEvents(response);

/** Every item of an async iterable (Node 20 has no Array.fromAsync). */
async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function collect(response: Response): Promise<EventSourceMessage[]> {
  return all(events(response));
}

async function publishAll(topic: Topic, items: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const item of items) ids.push(await topic.publish(item));
  return ids;
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => String(from + i));

describe("replay, then live, exactly once", () => {
  test("40 readers reconnecting at random points during 5,000 publishes each receive every event once, in order", async () => {
    const N = 5000;
    const topic = hub({ retain: { events: N } }).topic("firehose");
    const next = random(42);
    const reader = async () => {
      const seen: string[] = [];
      let lastId: string | undefined;
      for (let round = 0; ; round++) {
        const response = topic.sseResponse(request(lastId));
        if (response.status === 204) return { seen, rounds: round };
        let budget = 1 + Math.floor(next() * 400);
        for await (const event of events(response)) {
          expect(event.event).toBeUndefined(); // never a gap event
          seen.push(event.data);
          lastId = event.id;
          if (--budget === 0) break; // drop the connection mid-stream
        }
      }
    };
    const readers = Array.from({ length: 40 }, reader);
    for (let i = 0; i < N; i++) {
      await topic.publish(String(i));
      if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve)); // let readers run and reconnect
    }
    await topic.end();
    const results = await Promise.all(readers);
    const all = range(N);
    for (const { seen, rounds } of results) {
      expect(seen).toEqual(all);
      expect(rounds).toBeGreaterThan(5);
    }
  }, 60_000);

  test("a reader with no last id starts at the oldest retained event", async () => {
    const topic = hub({ retain: { events: 3 } }).topic("newcomer");
    await publishAll(topic, range(5));
    await topic.end();
    expect((await collect(topic.sseResponse(request()))).map((event) => event.data)).toEqual(["2", "3", "4"]);
  });

  test("lastEventId in the query resumes like the header", async () => {
    const topic = hub().topic("query");
    const ids = await publishAll(topic, range(4));
    await topic.end();
    const response = topic.sseResponse(new Request(`http://topics.test/t?lastEventId=${encodeURIComponent(ids[1]!)}`));
    expect((await collect(response)).map((event) => event.data)).toEqual(["2", "3"]);
  });

  test("each event is encoded once: every reader is handed the same bytes", async () => {
    const topic = hub().topic("shared");
    await topic.publish({ event: "tick", data: { n: 1 } });
    const first = await topic.sseResponse(request()).body!.getReader().read();
    const second = await topic.sseResponse(request()).body!.getReader().read();
    expect(decoder.decode(first.value)).toMatch(/^event: tick\nid: [0-9a-z]{8}-1\ndata: \{"n":1\}\n\n$/);
    expect(second.value).toBe(first.value);
  });

  test("readers replaying a long history are handed the same runs of bytes, never a copy of their own", async () => {
    const topic = hub().topic("history");
    // 400 events of about 200 bytes: several runs of up to 16 KiB, which a body must not join into copies.
    for (let i = 0; i < 400; i++) await topic.publish({ data: `${i}:${"x".repeat(190)}` });
    await topic.end();
    const chunks = async () => {
      const all: Uint8Array[] = [];
      const reader = topic.sseResponse(request()).body!.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) all.push(read.value);
      return all;
    };
    const [first, second] = [await chunks(), await chunks()];
    expect(second.length).toBe(first.length);
    for (const [i, chunk] of first.entries()) {
      expect(second[i]).toBe(chunk);
      expect(chunk.byteLength).toBeLessThanOrEqual(16 * 1024);
    }
    expect(first.length).toBeGreaterThan(3);
    const text = first.map((chunk) => decoder.decode(chunk)).join("");
    expect(text.match(/^data: /gm)).toHaveLength(400);
  });

  test("events carry what a client dispatches: the event type, data lines joined by LF, JSON for objects", async () => {
    const topic = hub().topic("shapes");
    await topic.publish("a\r\nb\rc");
    await topic.publish({ event: "json", data: { x: [1, 2] } });
    await topic.publish(new TextEncoder().encode("bytes"));
    await topic.end();
    const seen = await collect(topic.sseResponse(request()));
    expect(seen.map(({ event, data }) => ({ event, data }))).toEqual([
      { event: undefined, data: "a\nb\nc" },
      { event: "json", data: '{"x":[1,2]}' },
      { event: undefined, data: "bytes" },
    ]);
    const read = await all(topic.read());
    expect(read.map(({ event, data }) => ({ event, data }))).toEqual(seen.map(({ event, data }) => ({ event, data })));
    expect(read.map((event) => event.id)).toEqual(seen.map((event) => event.id));
  });
});

describe("gaps are visible", () => {
  async function gapOf(topic: Topic, lastId: string) {
    const response = topic.sseResponse(request(lastId));
    expect(response.status).toBe(200);
    const seen = await collect(response);
    return { gap: seen[0]!, rest: seen.slice(1).map((event) => event.data) };
  }

  test("an evicted id gets one gap event with how many were missed, then the oldest retained event", async () => {
    const topic = hub({ retain: { events: 10 } }).topic("evicted");
    const ids = await publishAll(topic, range(30));
    await topic.end();
    const { gap, rest } = await gapOf(topic, ids[4]!);
    expect(gap.event).toBe(GAP_EVENT);
    expect(gap.id).toBeUndefined(); // the client's last id stays its own
    expect(JSON.parse(gap.data)).toEqual({ lastEventId: ids[4], missed: 15, reason: "evicted" });
    expect(rest).toEqual(range(10, 20));
  });

  test("an id of another epoch (the store restarted) gets a gap event of unknown size", async () => {
    const before = hub().topic("restarted");
    const [oldId] = await publishAll(before, ["from before the restart"]);
    const after = hub({ store: memoryStore() }).topic("restarted");
    await publishAll(after, ["a", "b"]);
    await after.end();
    const { gap, rest } = await gapOf(after, oldId!);
    expect(JSON.parse(gap.data)).toEqual({ lastEventId: oldId, missed: null, reason: "unknown" });
    expect(rest).toEqual(["a", "b"]);
  });

  test.each([
    ["a NUL", "abc\0def"],
    ["10 KB", "x".repeat(10_000)],
    ["not an id at all", "🦆 not-an-id"],
    ["a number past the newest", "00000000-99"],
  ])("a garbage id (%s) gets a gap event, never an error", async (_, garbage) => {
    const topic = hub().topic("garbage");
    await publishAll(topic, ["a", "b"]);
    await topic.end();
    // In the query: a Request's headers refuse NUL and non-Latin-1 (a raw socket can send them; the conformance suite does).
    const response = topic.sseResponse(new Request(`http://topics.test/t?lastEventId=${encodeURIComponent(garbage)}`));
    expect(response.status).toBe(200);
    const [gap, ...others] = (await collect(response)) as [EventSourceMessage, ...EventSourceMessage[]];
    const rest = others.map((event) => event.data);
    expect(gap.event).toBe(GAP_EVENT);
    const data = JSON.parse(gap.data);
    expect(data).toEqual({ lastEventId: garbage.length > 256 ? null : garbage, missed: null, reason: "unknown" });
    expect(rest).toEqual(["a", "b"]);
  });

  test('slow: "skip" sends a reader that fell out of retention a gap event and goes on from the oldest', async () => {
    const topic = hub({ retain: { events: 5 } }).topic("slow-skip");
    const ids = await publishAll(topic, ["0"]);
    const stream = events(topic.sseResponse(request()));
    expect((await stream.next()).value?.data).toBe("0");
    await publishAll(topic, range(20, 1)); // the reader reads nothing meanwhile
    await topic.end();
    const rest = await all(stream);
    // The body may have taken the one event ready when it last pulled ("1") before falling behind.
    const at = rest.findIndex((event) => event.event === GAP_EVENT);
    const before = rest.slice(0, at);
    expect(before.map((event) => event.data)).toEqual(range(at, 1));
    expect(at).toBeLessThanOrEqual(1);
    expect(JSON.parse(rest[at]!.data)).toEqual({ lastEventId: before.at(-1)?.id ?? ids[0], missed: 15 - at, reason: "slow" });
    expect(rest.slice(at + 1).map((event) => event.data)).toEqual(range(5, 16));
  });

  test('slow: "close" ends a reader that fell out of retention cleanly; it reconnects to a gap event', async () => {
    const topic = hub({ retain: { events: 5 }, slow: "close" }).topic("slow-close");
    await publishAll(topic, ["0"]);
    const stream = events(topic.sseResponse(request()));
    const first = (await stream.next()).value!;
    await publishAll(topic, range(20, 1));
    const more = await all(stream); // a clean end, after at most the one event ready when it last pulled
    expect(more.map((event) => event.data)).toEqual(range(more.length, 1));
    expect(more.length).toBeLessThanOrEqual(1);
    await topic.end();
    const last = more.at(-1) ?? first;
    const { gap, rest } = await gapOf(topic, last.id!);
    expect(JSON.parse(gap.data)).toEqual({ lastEventId: last.id, reason: "evicted", missed: 15 - more.length });
    expect(rest).toEqual(range(5, 16));
  });
});

describe("end and failure travel through the log", () => {
  test("end(): readers end cleanly after the last event; one that has everything gets 204", async () => {
    const topic = hub().topic("ends");
    const reading = collect(topic.sseResponse(request()));
    const ids = await publishAll(topic, ["a", "b"]);
    await topic.end();
    expect((await reading).map((event) => event.data)).toEqual(["a", "b"]);
    const again = topic.sseResponse(request(ids[1]));
    expect(again.status).toBe(204);
    expect(again.body).toBeNull();
    await expect(topic.publish("late")).rejects.toThrow(/has ended; nothing can be published after end\(\)/);
  });

  test("fail(): the response errors after what was published, or ends with onError's event", async () => {
    const topic = hub().topic("fails");
    await publishAll(topic, ["a"]);
    await topic.fail();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of events(topic.sseResponse(request()))) seen.push(event.data);
      })(),
    ).rejects.toBeInstanceOf(TopicFailedError);
    expect(seen).toEqual(["a"]);
    const handled = topic.sseResponse(request(), { onError: () => ({ event: "failed", data: "incomplete" }) });
    expect((await collect(handled)).map(({ event, data }) => [event, data])).toEqual([
      [undefined, "a"],
      ["failed", "incomplete"],
    ]);
    await expect(all(topic.read())).rejects.toThrow(/topic "fails" failed/);
  });
});

describe("resumable producers", () => {
  test("a client dropped and resumed 20 times at random points reads exactly what the producer yielded, which ran once", async () => {
    const made = hub({ retain: { events: 10_000 } });
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`);
    let starts = 0;
    const run = made.topic("answer").run(async function* () {
      starts++;
      for (const [i, word] of words.entries()) {
        if (i % 3 === 0) await sleep(1);
        yield { event: "token", data: word };
      }
    });
    const next = random(7);
    const transcript: string[] = [];
    let lastId: string | undefined;
    let drops = 0;
    for (;;) {
      const response = made.topic("answer").sseResponse(request(lastId));
      if (response.status === 204) break;
      let budget = drops < 20 ? 1 + Math.floor(next() * 8) : Infinity;
      for await (const event of events(response)) {
        transcript.push(event.data);
        lastId = event.id;
        if (--budget === 0) break;
      }
      if (budget === 0) drops++;
      await sleep(next() * 4);
    }
    await run.done;
    expect(drops).toBe(20);
    expect(transcript).toEqual(words);
    expect(starts).toBe(1);
  });

  test("the run goes on while no client is connected", async () => {
    const made = hub();
    const run = made.topic("detached").run(function* () {
      yield "a";
      yield "b";
    });
    await run.done;
    expect((await all(made.topic("detached").read())).map((event) => event.data)).toEqual(["a", "b"]);
  });

  test("stop() aborts the producer's signal, runs its finally, and ends the topic cleanly", async () => {
    const made = hub();
    const state = { finallyRan: false, reason: undefined as unknown };
    const run = made.topic("stopped").run(async function* (signal) {
      try {
        yield "first";
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      } finally {
        state.finallyRan = true;
        state.reason = signal.reason;
      }
    });
    const reading = all(made.topic("stopped").read());
    await sleep(10);
    run.stop();
    await run.done;
    expect(state.finallyRan).toBe(true);
    expect(state.reason).toBeInstanceOf(StreamAbortError);
    expect((state.reason as StreamAbortError).type).toBe("stop");
    expect((await reading).map((event) => event.data)).toEqual(["first"]);
  });

  test("timeout aborts the producer, runs its finally, fails the topic, and done rejects with a TimeoutError", async () => {
    const made = hub();
    let finallyRan = false;
    const run = made.topic("slow-run").run(
      async function* (signal) {
        try {
          yield "only";
          await sleep(60_000, signal);
        } finally {
          finallyRan = true;
        }
      },
      { timeout: 30 },
    );
    await expect(run.done).rejects.toMatchObject({ name: "TimeoutError", type: "timeout" });
    expect(finallyRan).toBe(true);
    await expect(all(made.topic("slow-run").read())).rejects.toBeInstanceOf(TopicFailedError);
  });

  test("a producer that throws fails the topic; done rejects with what it threw", async () => {
    const made = hub();
    const run = made.topic("throws").run(async function* () {
      yield "a";
      throw new Error("model overloaded");
    });
    await expect(run.done).rejects.toThrow("model overloaded");
    const response = made.topic("throws").sseResponse(request());
    await expect(collect(response)).rejects.toBeInstanceOf(TopicFailedError);
  });

  test("a second run of a topic while one is running is an error that says how to resume", async () => {
    const made = hub();
    const run = made.topic("once").run(async function* (signal) {
      await sleep(60_000, signal).catch(() => {});
      yield "x";
    });
    expect(() => made.topic("once").run(function* () {})).toThrow(
      /already has a run in progress; a producer runs once.*sseResponse/,
    );
    run.stop();
    await run.done;
  });
});

describe("bounded everything", () => {
  test("retention by events, by bytes and by age", async () => {
    const byEvents = hub({ retain: { events: 3 } }).topic("e");
    await publishAll(byEvents, range(10));
    await byEvents.end();
    expect((await all(byEvents.read())).map((event) => event.data)).toEqual(["7", "8", "9"]);

    const byBytes = hub({ retain: { bytes: 10 } }).topic("b");
    await publishAll(byBytes, ["aaaa", "bbbb", "cccc", "dddd"]);
    await byBytes.end();
    expect((await all(byBytes.read())).map((event) => event.data)).toEqual(["cccc", "dddd"]);

    const byAge = hub({ retain: { ms: 40 } }).topic("a");
    await publishAll(byAge, ["old"]);
    await sleep(80);
    await publishAll(byAge, ["new"]);
    await byAge.end();
    expect((await all(byAge.read())).map((event) => event.data)).toEqual(["new"]);
  });

  test("10,000 readers that connect and leave leave no reader, wake-up, listener or timer behind", async () => {
    const made = hub();
    const topic = made.topic("churn");
    await topic.publish("hello");
    const timersBefore = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    const signals: AbortSignal[] = [];
    for (let i = 0; i < 10_000; i++) {
      const controller = new AbortController();
      const response = topic.sseResponse(request(undefined, controller.signal));
      const reader = response.body!.getReader();
      await reader.read(); // the retained event
      const waiting = reader.read(); // now waiting for the next one
      if (i % 2 === 0) controller.abort();
      else await reader.cancel();
      await waiting.catch(() => {});
      if (i % 1000 === 0) signals.push(controller.signal);
    }
    await sleep(5);
    expect(topicsState(made)).toMatchObject({ readers: 0, waiting: 0 });
    for (const signal of signals) expect(getEventListeners(signal, "abort")).toHaveLength(0);
    const timersAfter = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    expect(timersAfter - timersBefore).toBeLessThanOrEqual(1); // at most the log's own linger timer
  }, 60_000);

  test("a topic nobody reads and nothing was published to takes no memory once its last reader leaves", async () => {
    const made = hub();
    for (let i = 0; i < 100; i++) await made.topic(`empty-${i}`).sseResponse(request()).body!.cancel();
    expect(topicsState(made)).toEqual({ logs: 0, readers: 0, waiting: 0, runs: 0 });
  });
});

describe("bad input", () => {
  test("topic names, published items and options that cannot be held are clear errors", async () => {
    const made = hub();
    expect(() => made.topic("")).toThrow(/topic name must be a string of 1 to 256 characters, got 0 characters/);
    expect(() => made.topic("x".repeat(257))).toThrow(/got 257 characters/);
    expect(() => made.topic(42 as unknown as string)).toThrow(/got a number/);
    const topic = made.topic("input");
    await expect(topic.publish({ id: 7, data: "x" })).rejects.toThrow(/cannot have `id`: the store gives each event its id/);
    await expect(topic.publish({ event: "no-data" })).rejects.toThrow(/needs `data`/);
    await expect(topic.publish({ event: "a\nb", data: "x" })).rejects.toThrow(/must not contain CR or LF/);
    await expect(topic.publish({ data: 1n })).rejects.toThrow(/BigInt/);
    expect(() => topics({ slow: "drop" as "skip" })).toThrow(/`slow` must be "skip" or "close", got "drop"/);
    expect(() => topics({ retain: { events: 0 } })).toThrow(/`retain.events` must be a whole number of events >= 1, got 0/);
    expect(() => topic.run("not a function" as never)).toThrow(/run\(\) takes a producer function/);
  });

  test("a 1 MB Last-Event-ID is answered with a gap event in linear time", async () => {
    const topic = hub().topic("hostile");
    await publishAll(topic, ["a"]);
    await topic.end();
    const started = performance.now();
    const seen = await collect(topic.sseResponse(request("9".repeat(1 << 20))));
    expect(performance.now() - started).toBeLessThan(250);
    expect(seen.map((event) => event.event ?? event.data)).toEqual([GAP_EVENT, "a"]);
  });
});

describe("after an ended topic is forgotten", () => {
  test("a client that comes back with the last id gets 204, not a gap and a stream that never ends; publishing still fails", async () => {
    const made = hub({ retain: { ms: 50 } });
    const topic = made.topic("answer");
    await topic.run(function* () {
      yield "a";
      yield "b";
    }).done;
    let lastId = "";
    for await (const event of topic.read()) lastId = event.id;
    expect(topic.sseResponse(request(lastId)).status).toBe(204);
    await sleep(400); // the events expire, the sweep forgets the topic, its tombstone stays
    expect(topicsState(made).logs).toBeLessThanOrEqual(1);
    const back = topic.sseResponse(request(lastId));
    expect(back.status).toBe(204);
    await expect(topic.publish("late")).rejects.toThrow(/has ended/);
    expect(topic.sseResponse(request()).status, "ended, with nothing kept for a newcomer either").toBe(204);
  });

  test("a reader whose last id is just before the oldest kept event gets no gap event", async () => {
    const topic = hub({ retain: { events: 2 } }).topic("exact");
    const ids = await publishAll(topic, ["a", "b", "c", "d"]);
    await topic.end();
    const seen = await collect(topic.sseResponse(request(ids[1])));
    expect(seen.map((event) => event.event ?? event.data)).toEqual(["c", "d"]);
  });
});

describe("memoryStore", () => {
  test("forgets an ended topic once its events expired and nobody follows it, keeping its end mark as a tombstone", async () => {
    const store = memoryStore();
    try {
      const retain = { ms: 50 };
      const eventId = await store.append("t", { kind: "event", data: "a" }, retain);
      const endId = await store.append("t", { kind: "end", data: "" }, retain);
      const first: string[] = [];
      store.follow("t", { entries: (batch) => first.push(...batch.map((entry) => entry.id)), error: () => {} })();
      expect(first).toEqual([eventId, endId]);
      await sleep(400); // the sweep runs every 100 ms here
      const again: { id: string; kind: string }[] = [];
      store.follow("t", { entries: (batch) => again.push(...batch.map(({ id, kind }) => ({ id, kind }))), error: () => {} })();
      expect(again).toEqual([{ id: endId, kind: "end" }]);
      expect(store.distance!(eventId, endId)).toBe(1);
      // A new hub on the same store (another deploy of the same process's topics) tells a returning client it ended.
      const made = hub({ store, retain });
      expect(made.topic("t").sseResponse(request(eventId)).status).toBe(204);
    } finally {
      await store.close();
    }
  });
});
