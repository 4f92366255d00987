/**
 * Run by `runtimes.test.ts` under Deno and Bun (argument: a Redis URL): publishes a few
 * events with the Redis store, reads them back live and from a second store, closes both,
 * and prints what it read. The process must then exit by itself.
 */
import { topics } from "../../src/index.ts";
import { redisStore } from "../../stores/redis.ts";

const url =
  (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ??
  (globalThis as { process?: { argv: string[] } }).process?.argv[2];
const prefix = `runtime:${Date.now()}:`;
const a = topics({ store: redisStore({ url, prefix }) });
const b = topics({ store: redisStore({ url, prefix }) });
const live = (async () => {
  const seen: string[] = [];
  for await (const event of b.topic("t").read()) seen.push(event.data);
  return seen;
})();
await new Promise((resolve) => setTimeout(resolve, 200));
const ids: string[] = [];
for (const data of ["one", "two", "three"]) ids.push(await a.topic("t").publish(data));
await a.topic("t").end();
const resumed: string[] = [];
for await (const event of a.topic("t").read({ after: ids[0]! })) resumed.push(event.data);
console.log(JSON.stringify({ live: await live, resumed }));
await Promise.all([a.close(), b.close()]);
