/**
 * sluice/workers' `TopicObject` and `durableStore()` (issue #15) in workerd through
 * Miniflare, with the object's storage on disk: a Worker publishes, the object answers its
 * readers, and a restarted object (Miniflare disposed and started again on the same
 * storage) resumes them where they were.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { durableWorkerd, type RunningHost } from "../hosts/hosts.ts";
import { random } from "../_support/random.ts";
import { readReconnecting, readTopic } from "../_support/read-topic.ts";
import { eventually } from "../_support/time.ts";

const GAP_EVENT = "sluice-gap";

let dir: string;
let host: RunningHost;
let topicKeys = 0;
const key = () => `t${++topicKeys}-${Date.now().toString(36)}`;
const url = (path: string) => new URL(path, host.url);
const json = async <T>(path: string): Promise<T> => (await (await fetch(url(path))).json()) as T;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-durable-"));
  host = await durableWorkerd(dir);
});

afterAll(async () => {
  await host?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("TopicObject and durableStore in workerd", () => {
  test("6 readers reconnecting with Last-Event-ID at random points during 1,000 publishes from the Worker each get every event once, in order", async () => {
    const name = key();
    const next = random(15);
    const N = 1000;
    const reader = () => readReconnecting(url(`/sse?name=${name}`), next, 150);
    const readers = Array.from({ length: 6 }, reader);
    for (let from = 0; from < N; from += 50) await fetch(url(`/publish?name=${name}&from=${from}&count=50`));
    await fetch(url(`/end?name=${name}`));
    const expected = Array.from({ length: N }, (_, i) => String(i));
    for (const { data, rounds } of await Promise.all(readers)) {
      expect(data).toEqual(expected);
      expect(rounds).toBeGreaterThan(3);
    }
  }, 120_000);

  test("after end(), a client that has everything gets the object's 204, a newcomer the history then a clean end, and publish() rejects", async () => {
    const name = key();
    const { last } = await json<{ last: string }>(`/publish?name=${name}&count=3`);
    await fetch(url(`/end?name=${name}`));
    const response = await fetch(url(`/sse?name=${name}`), { headers: { "last-event-id": last } });
    expect(response.status).toBe(204);
    const newcomer = await readTopic(url(`/sse?name=${name}`), undefined);
    expect(newcomer.status).toBe(200);
    expect(newcomer.seen.map((event) => event.data)).toEqual(["0", "1", "2"]);
    expect(newcomer.ended).toBe(true);
    const refused = await json<{ name: string; message: string }>(`/publish-after-end?name=${name}`);
    expect(refused.message).toMatch(/has ended; nothing can be published after end\(\)/);
  });

  test("the object's response carries the SSE headers and ids of the form <epoch>-<n>", async () => {
    const name = key();
    const { last } = await json<{ last: string }>(`/publish?name=${name}&count=2`);
    expect(last).toMatch(/^[0-9a-z]{8}-2$/);
    const controller = new AbortController();
    const response = await fetch(url(`/sse?name=${name}`), { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    controller.abort();
  });

  test("a response copied by middleware still streams the object's body; a client that has everything then gets an empty 200, not 204", async () => {
    const name = key();
    const { last } = await json<{ last: string }>(`/publish?name=${name}&count=3`);
    await fetch(url(`/end?name=${name}`));
    const newcomer = await readTopic(url(`/sse-copied?name=${name}`), undefined);
    expect(newcomer.seen.map((event) => event.data)).toEqual(["0", "1", "2"]);
    expect(newcomer.ended).toBe(true);
    const response = await fetch(url(`/sse-copied?name=${name}`), { headers: { "last-event-id": last } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  test("a reader's response with the status and headers its handler gave (201, Location) streams the object's events, with onError and when copied by middleware", async () => {
    const name = key();
    await fetch(url(`/publish?name=${name}&count=3`));
    await fetch(url(`/end?name=${name}`));
    for (const path of [`/sse?name=${name}&status=201`, `/sse?name=${name}&status=201&onError=1`]) {
      const response = await fetch(url(path));
      expect(response.status, path).toBe(201);
      expect(response.headers.get("location"), path).toBe(`/sse?name=${name}`);
      expect(events(await response.text()).map((event) => event.data)).toEqual(["0", "1", "2"]);
    }
    const copied = await fetch(url(`/sse-copied?name=${name}&status=201`));
    expect(copied.status).toBe(201);
    expect(events(await copied.text()).map((event) => event.data)).toEqual(["0", "1", "2"]);
  });

  test("after fail(), a reader gets onError's event, and read() in the Worker throws TopicFailedError", async () => {
    const name = key();
    await fetch(url(`/publish?name=${name}&count=2`));
    await fetch(url(`/fail?name=${name}`));
    const read = await readTopic(url(`/sse?name=${name}&onError=1`), undefined);
    expect(read.seen.map((event) => event.event ?? event.data)).toEqual(["0", "1", "failed"]);
    const worker = await json<{ events: { data: string }[]; error?: string }>(`/read?name=${name}`);
    expect(worker.events.map((event) => event.data)).toEqual(["0", "1"]);
    expect(worker.error).toBe("TopicFailedError");
  });

  test("read() in the Worker follows the object: the events after an id, then live ones, until the end", async () => {
    const name = key();
    const { last } = await json<{ last: string }>(`/publish?name=${name}&count=3`);
    const first = last.replace(/-3$/, "-1");
    const reading = json<{ events: { id: string; data: string }[]; error?: string }>(`/read?name=${name}&after=${first}`);
    await fetch(url(`/publish?name=${name}&from=3&count=2`));
    await fetch(url(`/end?name=${name}`));
    const { events, error } = await reading;
    expect(error).toBeUndefined();
    expect(events.map((event) => event.data)).toEqual(["1", "2", "3", "4"]);
  });

  test("a Last-Event-ID evicted from retention gets a gap event saying how many were missed, then the oldest retained event", async () => {
    const name = key();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await json<{ last: string }>(`/publish?name=${name}&retain=5&from=${i}`)).last);
    await fetch(url(`/end?name=${name}&retain=5`));
    const read = await readTopic(url(`/sse?name=${name}&retain=5`), ids[2]);
    expect(read.seen.map((event) => event.event ?? event.data)).toEqual([GAP_EVENT, "15", "16", "17", "18", "19"]);
    expect(JSON.parse(read.seen[0]!.data)).toEqual({ lastEventId: ids[2], missed: 12, reason: "evicted" });
  });

  test.each([
    ["not an id", "garbage", "header"],
    ["10 KB", "x".repeat(10_000), "header"],
    ["bytes past ASCII", "\xff\xfe-1", "header"],
    ["a NUL", "a\0b", "query"],
    ["64 KB", "7".repeat(65_536), "query"],
    ["an id of another epoch", "zzzzzzzz-1", "header"],
  ])("a hostile Last-Event-ID (%s) gets a gap event then the history, never a 500", async (_, id, where) => {
    const name = key();
    await fetch(url(`/publish?name=${name}&count=2`));
    await fetch(url(`/end?name=${name}`));
    const target = url(`/sse?name=${name}`);
    const init: RequestInit = {};
    if (where === "query") target.searchParams.set("lastEventId", id);
    else init.headers = { "last-event-id": id };
    const response = await fetch(target, init);
    expect(response.status).toBe(200);
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => events.push(event) });
    parser.feed(await response.text());
    expect(events.map((event) => event.event ?? event.data)).toEqual([GAP_EVENT, "0", "1"]);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ missed: null, reason: "unknown" });
  });

  test("an event too large for the object's storage is refused with a RangeError that says what to do", async () => {
    const name = key();
    const big = await json<{ name: string; message: string }>(`/publish-big?name=${name}&bytes=200000`);
    expect(big.name).toBe("RangeError");
    expect(big.message).toMatch(/more than the \d+ it holds per event\. Publish a reference instead/);
  });

  // workerd notices a client that left when it next writes to it: the keep-alive (200 ms
  // here, 15 s by default) is what tells the object of readers of a quiet topic.
  test("readers that leave are forgotten by the object at its next keep-alive: none reading or waiting after 30 connect/disconnect cycles", async () => {
    const name = key();
    await fetch(url(`/publish?name=${name}&count=1`));
    for (let i = 0; i < 30; i++) await readTopic(url(`/sse?name=${name}&keepAlive=200`), undefined, 1);
    const held = await eventually(
      () => json<{ readers: number; waiting: number; feeds: number }>(`/held?name=${name}`),
      (now) => now.readers === 0 && now.waiting === 0,
      10_000,
    );
    expect(held).toMatchObject({ readers: 0, waiting: 0, feeds: 0 });
    // and one that stays is counted, so the zeros above are not a probe that sees nothing
    const controller = new AbortController();
    const open = await fetch(url(`/sse?name=${name}&keepAlive=200`), { signal: controller.signal });
    await open.body!.getReader().read();
    expect((await json<{ readers: number }>(`/held?name=${name}`)).readers).toBe(1);
    controller.abort();
  });

  test("a run in the Worker kept alive by ctx.waitUntil publishes through the object: its reader gets every word once", async () => {
    const name = key();
    const read = await readTopic(url(`/run?name=${name}&words=30&ms=5`), undefined);
    expect(read.seen.map((event) => event.data)).toEqual(Array.from({ length: 30 }, (_, i) => `word${i}`));
    expect(read.ended).toBe(true);
  });
});

describe("TopicObject restarted", () => {
  test("readers reconnecting after the object restarted resume from their Last-Event-ID with nothing lost and no repeat; ids go on from the same epoch", async () => {
    const own = await mkdtemp(join(tmpdir(), "sluice-durable-restart-"));
    let restartable = await durableWorkerd(own);
    try {
      const at = (path: string) => new URL(path, restartable.url);
      const name = "restarted";
      const before = (await (await fetch(at(`/publish?name=${name}&count=50`))).json()) as { last: string };
      // A reader that left before the restart, and one whose connection the restart cuts.
      const left = await readTopic(at(`/sse?name=${name}&keepAlive=200`), undefined, 20);
      // Restarted once it reads: a restart while its response head is still on the way fails its fetch instead.
      let reading!: () => void;
      const receiving = new Promise<void>((resolve) => (reading = resolve));
      const cut = readTopic(at(`/sse?name=${name}&keepAlive=200`), undefined, Infinity, {
        cutIsEnd: true,
        onEvent: () => reading(),
      });
      await receiving;
      await eventually(
        async () => (await (await fetch(at(`/held?name=${name}`))).json()) as { readers: number },
        (held) => held.readers === 1,
        10_000,
      );
      await restartable.stop();
      const during = await cut;
      restartable = await durableWorkerd(own);
      const after = (await (await fetch(at(`/publish?name=${name}&from=50&count=50`))).json()) as { last: string };
      expect(after.last.split("-")).toEqual([before.last.split("-")[0], "100"]);
      await fetch(at(`/end?name=${name}`));
      const all = Array.from({ length: 100 }, (_, i) => String(i));
      expect(left.seen).toHaveLength(20);
      expect(during.seen.length).toBeGreaterThan(0);
      for (const read of [left, during]) {
        const expectedBefore = read.seen.length;
        expect(read.seen.map((event) => event.data)).toEqual(all.slice(0, expectedBefore));
        const resumed = await readTopic(at(`/sse?name=${name}`), read.seen.at(-1)!.id);
        expect(resumed.status).toBe(200);
        expect(resumed.seen.map((event) => event.event ?? event.data)).toEqual(all.slice(expectedBefore));
        expect(resumed.ended).toBe(true);
      }
    } finally {
      await restartable.stop();
      await rm(own, { recursive: true, force: true });
    }
  }, 60_000);
});

/** The events of a whole SSE text. */
function events(text: string): EventSourceMessage[] {
  const parsed: EventSourceMessage[] = [];
  createParser({ onEvent: (event) => parsed.push(event) }).feed(text);
  return parsed;
}
