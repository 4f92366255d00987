import { describe, expect, test } from "vitest";
import { GAP_EVENT } from "../../src/index.ts";
import { redisStore } from "../../stores/redis.ts";
import { collect, instance, newPrefix, publishAll, range, redisForFile, redisMissing, request } from "./_helpers.ts";

const redis = redisForFile();

describe.skipIf(redisMissing !== undefined)(
  `redisStore: ids, retention, end and fail${redisMissing ? ` (skipped: ${redisMissing})` : ""}`,
  () => {
    test("event ids are Redis stream ids, in publish order", async () => {
      const topic = instance(redis.server.url, { redis: { prefix: newPrefix() } }).topic("ids");
      const ids = await publishAll(topic, range(5));
      for (const id of ids) expect(id).toMatch(/^\d+-\d+$/);
      const parts = (id: string) => id.split("-").map(BigInt) as [bigint, bigint];
      for (let i = 1; i < ids.length; i++) {
        const [a, b] = [parts(ids[i - 1]!), parts(ids[i]!)];
        expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), `${ids[i - 1]} before ${ids[i]}`).toBe(true);
      }
      await topic.end();
      expect((await collect(topic.sseResponse(request()))).map((event) => [event.id, event.data])).toEqual(
        ids.map((id, i) => [id, String(i)]),
      );
    });

    test("the stream lives under <prefix>topic:<name>, for any name, each name its own key", async () => {
      const prefix = newPrefix();
      const hub = instance(redis.server.url, { redis: { prefix } });
      const names = ["a", "a*", "a?[b]", "{a}", "a b", "a\nb", "a\u0000b", "ä 🙂", "topic:a", '"; redis.call("FLUSHALL") --'];
      for (const name of names) await hub.topic(name).publish(`in ${name}`);
      for (const name of names) {
        await hub.topic(name).end();
        expect((await collect(hub.topic(name).sseResponse(request()))).map((event) => event.data)).toEqual([`in ${name}`]);
      }
      expect(await redis.server.command(`EXISTS ${prefix}topic:a`)).toBe(":1\r\n");
    });

    test("a topic name with a lone surrogate is a TypeError: UTF-8 cannot hold it", async () => {
      const hub = instance(redis.server.url, { redis: { prefix: newPrefix() } });
      await expect(hub.topic("a\uD800").publish("x")).rejects.toThrow(/lone surrogate/);
    });

    test("retain.events trims the stream exactly (MAXLEN =) and readers start at the oldest kept", async () => {
      const prefix = newPrefix();
      const topic = instance(redis.server.url, { retain: { events: 3 }, redis: { prefix } }).topic("maxlen");
      await publishAll(topic, range(10));
      expect(await redis.server.command(`XLEN ${prefix}topic:maxlen`)).toBe(":3\r\n");
      await topic.end();
      expect((await collect(topic.sseResponse(request()))).map((event) => event.data)).toEqual(["7", "8", "9"]);
    });

    test("retain.ms trims by Redis's clock (MINID) and expires the stream after that long", async () => {
      const prefix = newPrefix();
      const topic = instance(redis.server.url, { retain: { ms: 300 }, redis: { prefix } }).topic("minid");
      await publishAll(topic, ["old"]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await topic.publish("new");
      expect(await redis.server.command(`XLEN ${prefix}topic:minid`)).toBe(":1\r\n");
      const ttl = Number((await redis.server.command(`PTTL ${prefix}topic:minid`)).slice(1));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300);
    });

    test("retain.bytes is refused with a TypeError that names the fix", async () => {
      const topic = instance(redis.server.url, { retain: { bytes: 1000 }, redis: { prefix: newPrefix() } }).topic("bytes");
      await expect(topic.publish("x")).rejects.toThrow(/cannot keep `retain.bytes`.*Use `retain.events` and `retain.ms`/);
    });

    test("after end(), publish rejects; a second end() or fail() resolves to the first mark", async () => {
      const prefix = newPrefix();
      const hub = instance(redis.server.url, { redis: { prefix } });
      const topic = hub.topic("ended");
      await topic.publish("a");
      await topic.end();
      await expect(topic.publish("b")).rejects.toThrow(/has ended; nothing can be published after end\(\)/);
      await topic.fail();
      await topic.end();
      expect(await redis.server.command(`XLEN ${prefix}topic:ended`)).toBe(":2\r\n");
    });

    test("end() from two stores at once leaves one end mark, and no event lands after it", async () => {
      const prefix = newPrefix();
      const a = instance(redis.server.url, { redis: { prefix } }).topic("race");
      const b = instance(redis.server.url, { redis: { prefix } }).topic("race");
      await a.publish("first");
      const results = await Promise.allSettled([a.end(), b.fail(), a.publish("late"), b.end(), b.publish("late")]);
      const entries = await redis.server.command(`XRANGE ${prefix}topic:race - +`);
      const marks = entries.match(/\r\n(end|fail)\r\n/g) ?? [];
      expect(marks).toHaveLength(1);
      expect(entries.lastIndexOf("late")).toBeLessThan(entries.search(/\r\n(end|fail)\r\n/));
      expect(results.slice(0, 2).every((result) => result.status === "fulfilled")).toBe(true);
    });

    test("an ended topic's stream expires 10 minutes after its end when retain.ms is not set", async () => {
      const prefix = newPrefix();
      const topic = instance(redis.server.url, { redis: { prefix } }).topic("kept");
      await topic.publish("a");
      expect(await redis.server.command(`PTTL ${prefix}topic:kept`)).toBe(":-1\r\n");
      await topic.end();
      const ttl = Number((await redis.server.command(`PTTL ${prefix}topic:kept`)).slice(1));
      expect(ttl).toBeGreaterThan(9 * 60_000);
    });
  },
);

describe.skipIf(redisMissing !== undefined)("redisStore: gaps", () => {
  test("a last id older than the oldest retained gets an 'evicted' gap (missed unknown), then the oldest kept", async () => {
    const topic = instance(redis.server.url, { retain: { events: 2 }, redis: { prefix: newPrefix() } }).topic("evicted");
    const ids = await publishAll(topic, range(5));
    await topic.end();
    const events = await collect(topic.sseResponse(request(ids[0])));
    expect(events[0]!.event).toBe(GAP_EVENT);
    expect(JSON.parse(events[0]!.data)).toEqual({ lastEventId: ids[0], missed: null, reason: "evicted" });
    expect(events.slice(1).map((event) => event.data)).toEqual(["3", "4"]);
  });

  test("garbage last ids (NUL, 10 KB, not an id, a future id) get an 'unknown' gap, never an error", async () => {
    const topic = instance(redis.server.url, { redis: { prefix: newPrefix() } }).topic("garbage");
    await publishAll(topic, ["a", "b"]);
    await topic.end();
    const garbage = [
      "1-\u00001",
      "9".repeat(10_240),
      `1-${"1".repeat(65_536)}`,
      "not-an-id",
      "0-0-0",
      "99999999999999999999-0",
      "-1",
      "1-",
    ];
    for (const lastId of garbage) {
      const events = await topic.read({ after: lastId })[Symbol.asyncIterator]().next();
      expect(events.value?.event, JSON.stringify(lastId).slice(0, 40)).toBe(GAP_EVENT);
      expect(JSON.parse(events.value!.data).reason).toBe("unknown");
    }
    // Through HTTP too: the header value is what a client sent, and the response is a 200 with the gap.
    const response = topic.sseResponse(new Request("http://topics.test/t?lastEventId=%00%01"));
    expect(response.status).toBe(200);
    const events = await collect(response);
    expect(events.map((event) => event.event ?? event.data)).toEqual([GAP_EVENT, "a", "b"]);
  });

  test("distance() says only 'older' (null) for well-formed ids, and nothing for anything else", async () => {
    const store = redisStore({ url: redis.server.url });
    expect(store.distance?.("1-5", "2-0")).toBeNull();
    expect(store.distance?.("10-0", "9-99")).toBeUndefined();
    expect(store.distance?.("2-0", "2-0")).toBeUndefined();
    expect(store.distance?.("x", "2-0")).toBeUndefined();
    await store.close();
  });
});
