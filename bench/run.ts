/**
 * `npm run bench`: every server variant as its own process on 127.0.0.1:0, driven by a
 * separate client process (curl for throughput, Node scripts for latency, many streams
 * and fan-out); one table per runtime and kind of workload, medians of several runs,
 * ratios to sluice.
 *
 *   npm run bench                       # everything (about 10 minutes)
 *   npm run bench -- --docs             # everything, and the tables of docs/performance.md
 *   npm run bench -- --quick            # fewer runs, smaller workloads (a smoke test)
 *   npm run bench -- --runtime node --only sse,tiny
 *   npm run bench -- --only fan-out --readers 1000,10000
 *   npm run bench -- --only fan-out,redis-latency --runtime node --readers 1000 --runs 3
 *   npm run bench -- --only redis-latency --rate 1000 --seconds 5
 *   npm run bench -- --only compression        # compress: bytes, events/s, latency, memory (Node)
 *
 * `--docs` with `--only fan-out,redis-latency` (and `--runtime node`, `--readers`, `--runs`)
 * writes only the Redis section of docs/performance.md.
 */
import { median, writeData, writeSection } from "../tools/sections.ts";
import { compression } from "./compression.ts";
import { fanOut, type FanOutSettings } from "./fan-out.ts";
import { curl, node, root, runtimes, start, stop, version, type Runtime, type Server } from "./processes.ts";
import { redisLatency, redisTables, type LatencySettings } from "./redis-latency.ts";
import { table, type Result, type Row } from "./tables.ts";
import { targets } from "./targets.ts";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
};
const quick = flag("quick");
const RUNS = Number(option("runs") ?? (quick ? 3 : 7));
const N = quick ? 30_000 : 300_000;
const MIB = quick ? 32 : 256;
const STREAMS = Number(option("streams") ?? (quick ? 1_000 : 10_000));
const only = option("only")?.split(",");
const runtimesWanted = option("runtime")?.split(",");
const docs = flag("docs");
/** `--docs` of the Redis workloads alone: only the Redis section is written. */
const redisDocs = docs && (only !== undefined || runtimesWanted !== undefined || option("readers") !== undefined);
if (docs && (quick || (redisDocs && !(only?.every((w) => w === "fan-out" || w === "redis-latency") ?? false)))) {
  throw new Error(
    "--docs writes the full tables (run it without --quick, --only, --runtime or --readers), " +
      "or the Redis section alone (with --only fan-out,redis-latency, without --quick).",
  );
}
const wants = (workload: string) => !only || only.includes(workload);

/** Fan-out: fewer runs than the v1 workloads (each holds thousands of readers), the same deliveries per run at each size. */
const FAN_OUT: FanOutSettings = {
  runs: Number(option("runs") ?? (quick ? 3 : 5)),
  readers: (option("readers") ?? (quick ? "200" : "1000,10000")).split(",").map(Number),
  burst: quick ? 200_000 : 1_000_000,
  trickle: quick ? 10_000 : 50_000,
  sse: N,
};

/** The redis-latency workload: the 1,000 readers per instance at 1,000 events/s; `--readers` sets its readers too. */
const LATENCY: LatencySettings = {
  runs: Number(option("runs") ?? (quick ? 1 : 3)),
  readers: Number(option("readers")?.split(",")[0] ?? (quick ? 200 : 1000)),
  rate: Number(option("rate") ?? 1000),
  seconds: Number(option("seconds") ?? (quick ? 2 : 5)),
};

interface Workload {
  name: string;
  unit: string;
  path: string;
  /** Items per run, to turn seconds into a rate. */
  items: number;
}

const workloads: Workload[] = [
  { name: "sse", unit: "events/s", path: `/sse?n=${N}`, items: N },
  { name: "tiny", unit: "chunks/s", path: `/tiny?n=${N}`, items: N },
  { name: "bulk", unit: "MB/s", path: `/bulk?mib=${MIB}`, items: (MIB * 1024 * 1024) / 1e6 },
];

/** The v1 table of `runtime`: throughput, latency and many streams; `undefined` if none of them is wanted. */
async function bench(runtime: Runtime): Promise<Result | undefined> {
  const chosen = workloads.filter((w) => wants(w.name));
  if (chosen.length === 0 && !wants("latency") && !wants("many")) return undefined;
  const rows: Row[] = [];
  if (chosen.length > 0 || wants("latency")) {
    const servers = new Map<string, Server>();
    for (const variant of runtime.variants) servers.set(variant, await start(runtime, variant));
    try {
      for (const workload of chosen) {
        const seconds = new Map<string, number[]>(runtime.variants.map((variant) => [variant, []]));
        await curl(servers.get("sluice")!.url + workload.path.slice(1)); // warm-up
        for (let i = 0; i < RUNS; i++) {
          // Interleaved, so drift of a shared machine falls on every variant alike.
          for (const variant of runtime.variants) {
            const { seconds: s } = await curl(servers.get(variant)!.url + workload.path.slice(1));
            seconds.get(variant)!.push(s);
          }
        }
        rows.push({
          label: `${workload.name} (${workload.unit}, median of ${RUNS})`,
          values: runtime.variants.map((variant) => workload.items / median(seconds.get(variant)!)),
          higherIsBetter: true,
        });
      }
      if (wants("latency")) {
        const results = [];
        for (const variant of runtime.variants)
          results.push(await node("latency", servers.get(variant)!.url, "100", quick ? "10" : "30", "100"));
        rows.push({ label: "latency p50 (ms)", values: results.map((r) => r.p50!), higherIsBetter: false });
        rows.push({ label: "latency p99 (ms)", values: results.map((r) => r.p99!), higherIsBetter: false });
      }
    } finally {
      await Promise.all([...servers.values()].map(stop));
    }
  }
  if (wants("many")) {
    const results = [];
    for (const variant of runtime.variants) {
      const server = await start(runtime, variant); // fresh: RSS per stream from a clean start
      try {
        results.push(await node("many", server.url, String(STREAMS)));
      } finally {
        await stop(server);
      }
    }
    rows.push({
      label: `many streams: RSS KiB/stream (${STREAMS})`,
      values: results.map((r) => r.rssPerStream! / 1024),
      higherIsBetter: false,
    });
    rows.push({
      label: `many streams: JS heap KiB/stream`,
      values: results.map((r) => r.heapPerStream! / 1024),
      higherIsBetter: false,
    });
    rows.push({ label: `many streams: finally ran`, values: results.map((r) => r.finallies!), higherIsBetter: true });
  }
  return { runtime: runtime.name, version: await version(runtime), title: "", variants: runtime.variants, rows };
}

const heading = `sluice benchmarks, ${new Date().toISOString().slice(0, 10)}: ${RUNS} runs each (fan-out ${FAN_OUT.runs}, redis-latency ${LATENCY.runs})${quick ? " (quick)" : ""}; ratios are sluice's advantage (>1: sluice better)`;
console.log(heading);
const results: Result[] = [];
for (const runtime of runtimes.filter((r) => !runtimesWanted || runtimesWanted.includes(r.name))) {
  const v1 = await bench(runtime);
  if (v1) {
    console.log(`\n${table(v1)}`);
    results.push(v1);
  }
  if (wants("fan-out")) {
    const result = await fanOut(runtime, FAN_OUT);
    console.log(`\n${table(result)}`);
    results.push(result);
  }
  if (wants("redis-latency") && runtime.name === "node") {
    const result = await redisLatency(runtime, LATENCY);
    if (result) {
      console.log(`\n${table(result)}`);
      results.push(result);
    }
  }
}
if (wants("compression") && (!runtimesWanted || runtimesWanted.includes("node"))) {
  const result = await compression({ runs: RUNS, events: N, streams: quick ? 500 : 2_000 });
  console.log(`\n${table(result)}`);
  results.push(result);
}
const summary = targets(results);
console.log(`\n${summary}`);
if (docs) {
  const redis = redisTables(results);
  const date = new Date().toISOString().slice(0, 10);
  const redisHeading = `sluice on the Redis store, ${date}: fan-out ${FAN_OUT.runs} runs, redis-latency ${LATENCY.runs}; each cell is a median`;
  const content = [redisHeading, ...redis.map(table), targets(redis)].join("\n\n");
  writeSection(`${root}docs/performance.md`, "bench-redis", content, `npm run bench -- ${args.join(" ")}`);
  writeData(
    "bench-redis.json",
    JSON.stringify({ date: new Date().toISOString(), fanOut: FAN_OUT, latency: LATENCY, results: redis }, null, 2) + "\n",
  );
  console.log("\nthe Redis section of docs/performance.md and docs/data/bench-redis.json written");
}
if (docs && !redisDocs) {
  const content = [`${heading}. Each cell is a median.`, ...results.map(table), summary].join("\n\n");
  writeSection(`${root}docs/performance.md`, "bench", content, "npm run bench -- --docs");
  writeData(
    "bench.json",
    JSON.stringify({ date: new Date().toISOString(), runs: RUNS, fanOut: FAN_OUT, results }, null, 2) + "\n",
  );
  console.log("\ndocs/performance.md and docs/data/bench.json written");
}
