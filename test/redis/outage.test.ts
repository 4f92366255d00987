import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { readEvents } from "../../src/client.ts";
import { topics } from "../../src/index.ts";
import { redisStore } from "../../stores/redis.ts";
import { eventually, sleep } from "../_support/time.ts";
import { collect, instance, newPrefix, publishAll, range, redisForFile, redisMissing, request } from "./_helpers.ts";

// Appendonly with fsync on every write: a killed server comes back with everything it acknowledged.
// A password, which no error message may show.
const redis = redisForFile({ appendonly: true, password: "s3cret" });

/** Reads an SSE response until it ends; resolves to the events and how it ended. */
async function readUntilEnd(response: Response) {
  const seen: { id: string | undefined; data: string }[] = [];
  try {
    for await (const event of readEvents(response)) seen.push({ id: event.id, data: event.data });
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
}

describe.skipIf(redisMissing !== undefined)(
  `redisStore when Redis goes away${redisMissing ? ` (skipped: ${redisMissing})` : ""}`,
  () => {
    test("Redis killed: publish rejects naming the connection, readers end as errors; back: they resume with nothing lost", async () => {
      const { server } = redis;
      const prefix = newPrefix();
      const url = server.url; // redis://:s3cret@127.0.0.1:<port>
      {
        const a = instance(url, { retain: { events: 1000 }, redis: { prefix } }).topic("outage");
        const b = instance(url, { retain: { events: 1000 }, redis: { prefix } }).topic("outage");
        const before = await publishAll(a, range(50));
        const readers = [readUntilEnd(a.sseResponse(request())), readUntilEnd(b.sseResponse(request()))];
        await new Promise((resolve) => setTimeout(resolve, 200));
        await server.kill();

        const failure = await a.publish("lost").then(
          () => undefined,
          (error: Error) => error,
        );
        expect(failure?.message).toMatch(
          /^sluice: cannot reach Redis at redis:\/\/:\*\*\*\*@127\.0\.0\.1:\d+\/? \(.*\), so publish failed\./,
        );
        expect(failure?.message).toContain("Check that Redis is running there");
        expect(failure?.message).not.toContain("s3cret");
        const ended = await Promise.all(readers);
        for (const { seen, error } of ended) {
          expect(seen.map((event) => event.data)).toEqual(range(50));
          expect(error).toBeInstanceOf(Error); // a truncated response: the client reconnects
        }
        // While it is down, a new reader's response ends as an error too, and nothing crashed.
        expect((await readUntilEnd(b.sseResponse(request(before[49])))).error).toBeInstanceOf(Error);

        await server.start(); // the same port and data (and password)
        // The store reconnects by itself (backoff up to 2 s): publishes work again.
        const published = await eventually(
          () =>
            b.publish("after").then(
              (id) => id,
              () => undefined,
            ),
          (id) => id !== undefined,
          20_000,
          100,
        );
        expect(published).toBeDefined();
        await publishAll(a, range(10, 50));
        await a.end();
        // Each reader resumes after the last id it had, on either instance: everything Redis kept, once.
        for (const [i, { seen }] of ended.entries()) {
          const resumed = await collect((i === 0 ? b : a).sseResponse(request(seen.at(-1)!.id)));
          expect(resumed.map((event) => event.data)).toEqual(["after", ...range(10, 50)]);
        }
      }
    });

    test("a store whose Redis never answered rejects the first publish within connectTimeout, naming the URL", async () => {
      const hub = instance("redis://127.0.0.1:1", { redis: { connectTimeout: 2_000 } }); // port 1: nothing listens
      const started = Date.now();
      await expect(hub.topic("x").publish("x")).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1 /);
      expect(Date.now() - started).toBeLessThan(10_000);
      const read = await collect(hub.topic("x").sseResponse(request())).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(read?.message).toMatch(/cannot reach Redis/);
    });

    test("close() lets go of every socket and timer: nothing of the store keeps the process alive", async () => {
      const before = process.getActiveResourcesInfo().filter((kind) => kind !== "TTYWrap");
      const hub = topics({ store: redisStore({ url: redis.server.url, prefix: newPrefix() }) });
      const topic = hub.topic("handles");
      const reader = collect(topic.sseResponse(request()));
      await topic.publish("x");
      const run = topic.run(async function* (signal) {
        yield "y";
        await sleep(60_000, signal); // still running when the topics close
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await hub.close();
      await reader.catch(() => undefined);
      await run.done.catch(() => undefined);
      const after = await eventually(
        async () => process.getActiveResourcesInfo().filter((kind) => kind !== "TTYWrap"),
        (now) =>
          now.filter((kind) => kind === "TCPSocketWrap").length <= before.filter((kind) => kind === "TCPSocketWrap").length,
        5_000,
      );
      expect(after.filter((kind) => kind === "TCPSocketWrap").length).toBeLessThanOrEqual(
        before.filter((kind) => kind === "TCPSocketWrap").length,
      );
    });

    test.skipIf(!existsSync(new URL("../../dist/stores/redis.js", import.meta.url)))(
      "a Node process that publishes, reads and closes the store exits by itself (built package)",
      () => {
        const script = `
        import { topics } from "./dist/src/index.js";
        import { redisStore } from "./dist/stores/redis.js";
        const hub = topics({ store: redisStore({ url: ${JSON.stringify(redis.server.url)}, prefix: "exit:" + Date.now() + ":" }) });
        const topic = hub.topic("t");
        const reading = (async () => { const seen = []; for await (const e of topic.read()) seen.push(e.data); return seen; })();
        await topic.publish("a"); await topic.end();
        console.log(JSON.stringify(await reading));
        await hub.close();
      `;
        const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
          cwd: new URL("../..", import.meta.url),
          encoding: "utf8",
          timeout: 30_000,
        });
        expect(child.stderr).toBe("");
        expect(child.signal).toBeNull(); // not killed by the timeout: it exited by itself
        expect(child.stdout.trim()).toBe('["a"]');
      },
    );
  },
);
