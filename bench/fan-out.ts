/**
 * The fan-out workload of `npm run bench`: one publisher, many SSE readers of one stream,
 * on each runtime; sluice's topics against better-sse's `Channel` and a hand-written
 * loop. Every variant is its own server process; its readers are held by a client
 * process of their own (bench/clients/fan-out.ts), so runs of the variants can be
 * interleaved while each keeps its readers connected.
 */
import { median } from "../tools/sections.ts";
import { Readers } from "./fan-out-readers.ts";
import { curl, node, start, stop, version, type Runtime, type Server } from "./processes.ts";
import { REPLAY_EVENTS } from "./publisher.ts";
import { redisEnv, redisMissing, type RedisServer, withRedis } from "./redis.ts";
import type { Result, Row } from "./tables.ts";

export interface FanOutSettings {
  runs: number;
  /** Numbers of readers, each measured on fresh servers. */
  readers: number[];
  /** Deliveries (events x readers) of one run of each publisher pattern. */
  burst: number;
  trickle: number;
  /** Events of the v1 `sse` workload that replay is compared with. */
  sse: number;
}

/** How the publisher publishes: events per turn of its event loop. */
const PATTERNS = [
  { name: "100 events/turn", batch: 100, deliveries: (s: FanOutSettings) => s.burst },
  { name: "1 event/turn", batch: 1, deliveries: (s: FanOutSettings) => s.trickle },
];

const thousands = (n: number) => n.toLocaleString("en-US");
/** A row for sluice alone (its other cells do not apply). */
const sluiceOnly = (values: number, columns: number) => [values, ...Array<number>(columns - 1).fill(NaN)];

type Variant = Runtime["fanOut"][number];

/**
 * The fan-out table of `runtime`. A variant on the Redis store shares a redis-server
 * started for the workload (each server with keys of its own); without redis-server it
 * is left out, and the table says so.
 */
export async function fanOut(runtime: Runtime, settings: FanOutSettings): Promise<Result> {
  const wanted = runtime.fanOut;
  const variants = redisMissing === undefined ? wanted : wanted.filter((v) => !v.redis);
  const notes = wanted.filter((v) => !variants.includes(v)).map((v) => `${v.label} was skipped: ${redisMissing}.`);
  const measure = async (redis?: RedisServer) => {
    const rows: Row[] = [];
    for (const readers of settings.readers) rows.push(...(await atReaders(runtime, variants, readers, settings, redis)));
    return rows;
  };
  const rows = variants.some((v) => v.redis) ? await withRedis(measure) : await measure();
  rows.push(...(await idleStreams(runtime, Math.max(...settings.readers), variants.length)));
  rows.push(...(await replay(runtime, settings, variants.length)));
  return {
    runtime: runtime.name,
    version: await version(runtime),
    title: "fan-out",
    variants: variants.map((v) => v.label),
    rows,
    notes,
  };
}

/**
 * `readers` readers of each variant, all connected at once (each variant's by its own
 * client), then runs of each pattern interleaved across variants.
 */
async function atReaders(
  runtime: Runtime,
  variants: Variant[],
  readers: number,
  settings: FanOutSettings,
  redis: RedisServer | undefined,
): Promise<Row[]> {
  const servers: Server[] = [];
  const clients: Readers[] = [];
  const memory: { rssPerReader: number; heapPerReader: number }[] = [];
  try {
    for (const { variant, redis: onRedis } of variants) {
      // One at a time: a variant's memory is read while no other is connecting.
      const server = await start(runtime, variant, onRedis && redis ? redisEnv(redis, `fan-out-${readers}:`) : undefined);
      servers.push(server);
      const held = new Readers(server.url, readers, `${runtime.name}/${variant}`);
      clients.push(held);
      memory.push(await held.ready);
    }
    const label = `${thousands(readers)} readers`;
    const rows: Row[] = [];
    const busyRows: Row[] = [];
    for (const pattern of PATTERNS) {
      const m = Math.max(1, Math.round(pattern.deliveries(settings) / readers));
      const seconds: number[][] = clients.map(() => []);
      const busy: number[][] = clients.map(() => []);
      for (let run = 0; run < settings.runs; run++) {
        for (const [i, held] of clients.entries()) {
          const result = await held.run(m, pattern.batch);
          seconds[i]!.push(result.seconds);
          busy[i]!.push(result.busy * 100);
        }
      }
      rows.push({
        label: `${label}, ${pattern.name} (deliveries/s, median of ${settings.runs})`,
        values: seconds.map((s) => (readers * m) / median(s)),
        higherIsBetter: true,
      });
      busyRows.push({
        label: `${label}, ${pattern.name}: client CPU busy (%)`,
        values: busy.map(median),
        higherIsBetter: false,
        plain: true,
      });
    }
    rows.push(
      { label: `${label}: RSS KiB/reader`, values: memory.map((m) => m.rssPerReader / 1024), higherIsBetter: false },
      { label: `${label}: JS heap KiB/reader`, values: memory.map((m) => m.heapPerReader / 1024), higherIsBetter: false },
      ...busyRows,
    );
    return rows;
  } finally {
    await Promise.all(clients.map((held) => held.close()));
    await Promise.all(servers.map(stop));
  }
}

/** Memory per idle v1 `sseResponse` stream, on a fresh sluice server: what a topic reader is set beside. */
async function idleStreams(runtime: Runtime, streams: number, columns: number): Promise<Row[]> {
  const server = await start(runtime, runtime.fanOut[0]!.variant);
  try {
    const result = await node("many", server.url, String(streams));
    return [
      {
        label: `idle v1 SSE stream: RSS KiB/stream (${thousands(streams)})`,
        values: sluiceOnly(result.rssPerStream! / 1024, columns),
        higherIsBetter: false,
      },
      {
        label: "idle v1 SSE stream: JS heap KiB/stream",
        values: sluiceOnly(result.heapPerStream! / 1024, columns),
        higherIsBetter: false,
      },
    ];
  } finally {
    await stop(server);
  }
}

/**
 * A reader with no last id of a topic of {@link REPLAY_EVENTS} retained events is sent
 * them all; curl reads the replay as it reads the v1 `sse` workload, and runs of both are
 * interleaved on the same server.
 */
async function replay(runtime: Runtime, settings: FanOutSettings, columns: number): Promise<Row[]> {
  const server = await start(runtime, runtime.fanOut[0]!.variant);
  const paths = { replay: "replay", sse: `sse?n=${settings.sse}` };
  const seconds = { replay: [] as number[], sse: [] as number[] };
  try {
    for (const path of Object.values(paths)) await curl(server.url + path); // warm-up
    for (let run = 0; run < settings.runs; run++) {
      seconds.replay.push((await curl(server.url + paths.replay)).seconds);
      seconds.sse.push((await curl(server.url + paths.sse)).seconds);
    }
  } finally {
    await stop(server);
  }
  return [
    {
      label: `replay of ${thousands(REPLAY_EVENTS)} retained events (events/s, median of ${settings.runs})`,
      values: sluiceOnly(REPLAY_EVENTS / median(seconds.replay), columns),
      higherIsBetter: true,
    },
    {
      label: `v1 sse on the same server (events/s, median of ${settings.runs})`,
      values: sluiceOnly(settings.sse / median(seconds.sse), columns),
      higherIsBetter: true,
    },
  ];
}
