/**
 * The `redis-latency` workload of `npm run bench` (Node): publish→delivery latency of
 * topics on the Redis store across instances. One redis-server; two server processes of
 * the `sluice-topics-redis` variant sharing its topics (the same key prefix); `readers`
 * SSE readers of the latency topic on each, held by a client process per instance
 * (bench/clients/topic-latency.ts); a publisher in the first instance publishing `rate`
 * stamped events a second for `seconds`. Each client records the delay of every event to
 * every reader. Beside it, interleaved run by run: the Redis store alone, with no HTTP
 * (bench/store-latency.ts: what Redis and the store add to an event's way), and the same
 * load on two instances of the memory store (`sluice-topics`, each its own topic and
 * publisher, both at once): the latency the machine allows without Redis. Redis's own
 * count of the commands it ran (`INFO commandstats` after `CONFIG RESETSTAT`) gives the
 * commands per published event of the 2-instance run.
 */
import { median } from "../tools/sections.ts";
import { Readers } from "./fan-out-readers.ts";
import { REDIS_LABEL, start, stop, version, type Runtime, type Server } from "./processes.ts";
import type { PacedResult } from "./publisher.ts";
import { commandStats, redisEnv, redisMissing, withRedis } from "./redis.ts";
import { storeLatency } from "./store-latency.ts";
import type { Result, Row } from "./tables.ts";

export interface LatencySettings {
  runs: number;
  /** Readers on each instance. */
  readers: number;
  /** Events a second, and for how long. */
  rate: number;
  seconds: number;
}

/**
 * The columns: the instance published to and the other one (both on Redis); the Redis
 * store alone, no HTTP (its publishing store and the other); the memory store on two
 * instances under the same load (the worse of the two).
 */
const LATENCY_COLUMNS = [
  "Redis: instance published to",
  "Redis: other instance",
  "Redis store alone, no HTTP: publishing store",
  "Redis store alone, no HTTP: other store",
  "memory store, 2 instances (same load, the worse)",
];
/** The memory store's column. */
const MEMORY = 4;

interface Delays {
  p50: number;
  p99: number;
  max: number;
  samples: number;
  busy: number;
}

/** A topic-latency client: it says how many readers it holds once they are connected. */
type Held = Readers<{ readers: number }>;

/** A run before the measured ones (compiled code, the Redis script loaded, connections warm); its figures are dropped. */
const WARM_UP_SECONDS = 1;

const thousands = (n: number) => n.toLocaleString("en-US");

/** A run of the publisher in `server`: `rate` events a second for `seconds`. */
async function publish(server: Server, rate: number, seconds: number): Promise<PacedResult> {
  const response = await fetch(`${server.url}latency/publish?rate=${rate}&seconds=${seconds}`);
  if (!response.ok) throw new Error(`${server.url}latency/publish answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as PacedResult;
}

/** The latency table, or `undefined` (and a note) where redis-server is missing. */
export async function redisLatency(runtime: Runtime, settings: LatencySettings): Promise<Result | undefined> {
  if (redisMissing !== undefined) {
    console.log(`\nNote: the redis-latency workload was skipped: ${redisMissing}.`);
    return undefined;
  }
  const m = Math.round(settings.rate * settings.seconds);
  const delays: Delays[][] = LATENCY_COLUMNS.map(() => []);
  const paced: PacedResult[][] = LATENCY_COLUMNS.map(() => []);
  const commands: Map<string, number>[] = [];
  await withRedis(async (redis) => {
    const servers: Server[] = [];
    const clients: Held[] = [];
    try {
      const env = redisEnv(redis, "latency:"); // one prefix: both instances serve the same topics
      const variants = ["sluice-topics-redis", "sluice-topics-redis", "sluice-topics", "sluice-topics"];
      for (const [i, variant] of variants.entries()) {
        const server = await start(runtime, variant, variant === "sluice-topics" ? undefined : env);
        servers.push(server);
        const held: Held = new Readers(server.url, settings.readers, `${variant} ${i}`, "topic-latency", "/latency/subscribe");
        clients.push(held);
        await held.ready; // one at a time, like the fan-out clients
      }
      const [first, other, memory1, memory2] = clients as [Held, Held, Held, Held];
      /**
       * One run of `seconds` on the Redis instances, then of the Redis store alone, then on
       * the two memory-store instances, each publishing to its own readers (the same load).
       */
      const measure = async (seconds: number) => {
        const count = Math.round(settings.rate * seconds);
        // Both instances' readers armed, Redis's counts reset, then the publisher in the first instance.
        await Promise.all([first.ask({ m: count }), other.ask({ m: count })]);
        await redis.command("CONFIG RESETSTAT");
        const onRedis = await publish(servers[0]!, settings.rate, seconds);
        const [a, b] = await Promise.all([first.reply<Delays>(), other.reply<Delays>()]);
        const calls = await commandStats(redis);
        const alone = await storeLatency(redis, settings.rate, seconds, "alone:");
        await Promise.all([memory1.ask({ m: count }), memory2.ask({ m: count })]);
        const [inMemory] = await Promise.all([
          publish(servers[2]!, settings.rate, seconds),
          publish(servers[3]!, settings.rate, seconds),
        ]);
        const [m1, m2] = await Promise.all([memory1.reply<Delays>(), memory2.reply<Delays>()]);
        const worse = m1.p99 >= m2.p99 ? m1 : m2;
        return {
          paced: [onRedis, inMemory],
          delays: [a, b, { ...alone[0], busy: NaN }, { ...alone[1], busy: NaN }, worse],
          calls,
        };
      };
      await measure(WARM_UP_SECONDS);
      for (let run = 0; run < settings.runs; run++) {
        const result = await measure(settings.seconds);
        paced[0]!.push(result.paced[0]!);
        paced[MEMORY]!.push(result.paced[1]!);
        for (const [i, d] of result.delays.entries()) delays[i]!.push(d);
        commands.push(result.calls);
      }
    } finally {
      await Promise.all(clients.map((held) => held.close()));
      await Promise.all(servers.map(stop));
    }
  });
  const runs = `median of ${settings.runs}`;
  const ofDelays = (pick: (d: Delays) => number) => delays.map((column) => median(column.map(pick)));
  const ofPublisher = (pick: (p: PacedResult) => number) =>
    paced.map((column) => (column.length === 0 ? NaN : median(column.map(pick))));
  const perEvent = (count: (calls: Map<string, number>) => number) =>
    LATENCY_COLUMNS.map((_, i) => (i === 0 ? median(commands.map((calls) => count(calls) / m)) : NaN));
  const total = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0);
  const names = [...new Set(commands.flatMap((calls) => [...calls.keys()]))].sort();
  const plain = { higherIsBetter: false, plain: true };
  const rows: Row[] = [
    { label: `publish→delivery p50 (ms, ${runs})`, values: ofDelays((d) => d.p50), ...plain },
    { label: `publish→delivery p99 (ms, ${runs})`, values: ofDelays((d) => d.p99), ...plain },
    { label: `publish→delivery max (ms, ${runs})`, values: ofDelays((d) => d.max), ...plain },
    { label: "client CPU busy (%)", values: ofDelays((d) => d.busy * 100), ...plain },
    { label: "events published/s", values: ofPublisher((p) => p.published / p.seconds), ...plain },
    { label: "publisher behind schedule p99 (ms)", values: ofPublisher((p) => p.lateP99), ...plain },
    { label: "publisher behind schedule max (ms)", values: ofPublisher((p) => p.lateMax), ...plain },
    { label: `Redis commands per published event (${runs})`, values: perEvent(total), ...plain },
    ...names.map((name) => ({
      label: `… of which ${name.toUpperCase()}`,
      values: perEvent((calls) => calls.get(name) ?? 0),
      ...plain,
    })),
  ];
  return {
    runtime: runtime.name,
    version: await version(runtime),
    title: `topic latency, ${thousands(settings.readers)} readers per instance, ${thousands(settings.rate)} events/s for ${settings.seconds} s`,
    variants: LATENCY_COLUMNS,
    rows,
  };
}

/**
 * The Redis store's results among `results`: the Node fan-out table cut to the memory and
 * Redis columns (the rows both have), and the redis-latency table.
 */
export function redisTables(results: Result[]): Result[] {
  const tables: Result[] = [];
  for (const result of results.filter((r) => r.runtime === "node")) {
    const i = result.variants.indexOf(REDIS_LABEL);
    if (result.title === "fan-out" && i > 0) {
      tables.push({
        ...result,
        title: "fan-out, memory and Redis stores",
        variants: [result.variants[0]!, REDIS_LABEL],
        rows: result.rows
          .filter((row) => !Number.isNaN(row.values[i]!))
          .map((row) => ({ ...row, values: [row.values[0]!, row.values[i]!] })),
      });
    } else if (result.variants === LATENCY_COLUMNS) tables.push(result);
  }
  return tables;
}
