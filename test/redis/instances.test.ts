import { describe, expect, test } from "vitest";
import { readEvents } from "../../src/client.ts";
import { TopicFailedError, type Topic } from "../../src/index.ts";
import { random } from "../_support/random.ts";
import { collect, instance, newPrefix, range, redisForFile, redisMissing, request } from "./_helpers.ts";

const redis = redisForFile();

/** A reader that drops its connection after a random number of events and comes back with its last id, on a random instance. */
async function reconnectingReader(topics: Topic[], next: () => number): Promise<{ seen: string[]; rounds: number }> {
  const seen: string[] = [];
  let lastId: string | undefined;
  for (let round = 0; ; round++) {
    const topic = topics[Math.floor(next() * topics.length)]!;
    const response = topic.sseResponse(request(lastId));
    if (response.status === 204) return { seen, rounds: round };
    let budget = 1 + Math.floor(next() * 150);
    for await (const event of readEvents(response)) {
      expect(event.event).toBeUndefined(); // never a gap event
      seen.push(event.data);
      lastId = event.id;
      if (--budget === 0) break; // drop the connection mid-stream
    }
  }
}

describe.skipIf(redisMissing !== undefined)(
  `redisStore: several instances${redisMissing ? ` (skipped: ${redisMissing})` : ""}`,
  () => {
    test("readers reconnecting at random points during 2,000 publishes each get every event once, in order", async () => {
      const N = 2000;
      const topic = instance(redis.server.url, { retain: { events: N }, redis: { prefix: newPrefix() } }).topic("firehose");
      const next = random(7);
      const readers = Array.from({ length: 8 }, () => reconnectingReader([topic], next));
      for (let i = 0; i < N; i++) {
        await topic.publish(String(i));
        if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await topic.end();
      for (const { seen, rounds } of await Promise.all(readers)) {
        expect(seen).toEqual(range(N));
        expect(rounds).toBeGreaterThan(5);
      }
    });

    test("two stores on one Redis agree on ids, and readers moving between them with Last-Event-ID get every event once", async () => {
      const N = 1000;
      const prefix = newPrefix();
      const a = instance(redis.server.url, { retain: { events: N }, redis: { prefix } }).topic("shared");
      const b = instance(redis.server.url, { retain: { events: N }, redis: { prefix } }).topic("shared");
      const next = random(11);
      const readers = Array.from({ length: 6 }, () => reconnectingReader([a, b], next));
      const ids: string[] = [];
      for (let i = 0; i < N; i++) {
        ids.push(await (i % 2 === 0 ? a : b).publish(String(i)));
        if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await b.end();
      for (const { seen } of await Promise.all(readers)) expect(seen).toEqual(range(N));
      const fromA = (await collect(a.sseResponse(request()))).map((event) => event.id);
      const fromB = (await collect(b.sseResponse(request()))).map((event) => event.id);
      expect(fromA).toEqual(ids);
      expect(fromB).toEqual(ids);
    });

    test("end() on one instance ends the readers of both cleanly", async () => {
      const prefix = newPrefix();
      const a = instance(redis.server.url, { redis: { prefix } }).topic("end");
      const b = instance(redis.server.url, { redis: { prefix } }).topic("end");
      const readers = [collect(a.sseResponse(request())), collect(b.sseResponse(request()))];
      await new Promise((resolve) => setTimeout(resolve, 100));
      await a.publish("x");
      await a.end();
      for (const events of await Promise.all(readers)) expect(events.map((event) => event.data)).toEqual(["x"]);
      expect(b.sseResponse(request((await publishedIds(b))[0])).status).toBe(204);
    });

    test("fail() on one instance ends readers of both as errors (read() throws TopicFailedError)", async () => {
      const prefix = newPrefix();
      const a = instance(redis.server.url, { redis: { prefix } }).topic("fail");
      const b = instance(redis.server.url, { redis: { prefix } }).topic("fail");
      const read = async (topic: Topic) => {
        const seen: string[] = [];
        try {
          for await (const event of topic.read()) seen.push(event.data);
        } catch (error) {
          return { seen, error };
        }
        return { seen, error: undefined };
      };
      const readers = [read(a), read(b)];
      await new Promise((resolve) => setTimeout(resolve, 100));
      await b.publish("y");
      await b.fail();
      for (const { seen, error } of await Promise.all(readers)) {
        expect(seen).toEqual(["y"]);
        expect(error).toBeInstanceOf(TopicFailedError);
      }
    });

    test("a topic followed while the blocking read waits on another is read at once, not after the read's timeout", async () => {
      const prefix = newPrefix();
      const hub = instance(redis.server.url, { redis: { prefix } });
      const quiet = hub.topic("quiet").read()[Symbol.asyncIterator]();
      void quiet.next(); // the blocking read now waits on "quiet" alone
      await new Promise((resolve) => setTimeout(resolve, 200));
      const late = hub.topic("late").read()[Symbol.asyncIterator]();
      const first = late.next();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      await instance(redis.server.url, { redis: { prefix } }).topic("late").publish("hello");
      expect((await first).value?.data).toBe("hello");
      expect(Date.now() - started).toBeLessThan(3_000); // the blocking read's timeout is 10 s
      await quiet.return?.();
      await late.return?.();
    });

    test("run() goes on in one instance; a second run() elsewhere is refused while it runs; readers anywhere resume it", async () => {
      const prefix = newPrefix();
      const a = instance(redis.server.url, { redis: { prefix } }).topic("answer");
      const b = instance(redis.server.url, { redis: { prefix } }).topic("answer");
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const first = a.run(async function* () {
        yield "one";
        await gate;
        yield "two";
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      let secondRan = false;
      const second = b.run(async function* () {
        secondRan = true;
        yield "never";
      });
      await expect(second.done).rejects.toThrow(
        /already has a run in progress in another process that shares Redis at redis:\/\/127\.0\.0\.1/,
      );
      expect(secondRan).toBe(false);
      const reader = collect(b.sseResponse(request()));
      release();
      await first.done;
      expect((await reader).map((event) => event.data)).toEqual(["one", "two"]);
      expect(await redis.server.command(`EXISTS ${prefix}run:answer`)).toBe(":0\r\n"); // released at its end
    });
  },
);

async function publishedIds(topic: Topic): Promise<string[]> {
  return (await collect(topic.sseResponse(request()))).map((event) => event.id ?? "");
}

describe.skipIf(redisMissing !== undefined)("redisStore: Redis commands per published event", () => {
  /** Redis's own count of commands it ran since CONFIG RESETSTAT (INFO commandstats), without the INFO itself. */
  async function commandsRun(): Promise<number> {
    const info = await redis.server.command("INFO commandstats");
    let calls = 0;
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (match[1] !== "info") calls += Number(match[2]);
    return calls;
  }

  async function commandsPerEvent(readers: number): Promise<number> {
    const prefix = newPrefix();
    const publisher = instance(redis.server.url, { redis: { prefix } }).topic("stats");
    const topic = instance(redis.server.url, { redis: { prefix } }).topic("stats");
    const counts = new Array<number>(readers).fill(0);
    const iterators = Array.from({ length: readers }, () => topic.read()[Symbol.asyncIterator]());
    const reading = iterators.map(async (iterator, i) => {
      for (let result = await iterator.next(); !result.done; result = await iterator.next()) counts[i]!++;
    });
    const allHave = async (n: number) => {
      while (counts.some((count) => count < n)) await new Promise((resolve) => setTimeout(resolve, 1));
    };
    await publisher.publish("warm-up");
    await allHave(1);
    await publisher.publish("warm-up"); // the script is loaded, the blocking read is on its way
    await allHave(2);
    const N = 200;
    await redis.server.command("CONFIG RESETSTAT");
    for (let i = 0; i < N; i++) {
      await publisher.publish(String(i));
      await allHave(3 + i); // every reader has it before the next: one blocking read returns per event
    }
    const perEvent = (await commandsRun()) / N;
    await publisher.end();
    await Promise.all(reading);
    return perEvent;
  }

  test("200 readers on an instance cost Redis the same commands per published event as 1 reader", async () => {
    const one = await commandsPerEvent(1);
    const many = await commandsPerEvent(200);
    console.log(`Redis commands per published event: 1 reader ${one.toFixed(2)}, 200 readers ${many.toFixed(2)}`);
    // EVALSHA and the XREVRANGE and XADD it runs (Redis counts those too), and the blocking read that brings the event.
    expect(one).toBeGreaterThanOrEqual(2);
    expect(many).toBeLessThan(one + 0.25);
  });
});
