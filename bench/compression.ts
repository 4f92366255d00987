/**
 * The compression table (issue #16), on Node: the `sse` workload through `compress`
 * (gzip, flushed after every chunk the body hands over) beside the same stream
 * uncompressed and compressed whole (gzip of the entire body at once: the most a
 * compressor can save); latency p99 of the 100 ms workload with and without it; memory
 * per idle compressed SSE stream beside an uncompressed one.
 */
import { gzipSync } from "node:zlib";
import { median } from "../tools/sections.ts";
import { curl, node, runtimes, start, stop, version } from "./processes.ts";
import type { Result, Row } from "./tables.ts";

export interface CompressionSettings {
  runs: number;
  /** Events of the sse workload. */
  events: number;
  /** Idle streams for the memory rows. */
  streams: number;
}

const GZIP = ["accept-encoding: gzip"];

export async function compression({ runs, events, streams }: CompressionSettings): Promise<Result> {
  const runtime = runtimes.find((r) => r.name === "node")!;
  const plain = await start(runtime, "sluice");
  const packed = await start(runtime, "sluice-compress");
  const path = `sse?n=${events}`;
  const rows: Row[] = [];
  try {
    const body = Buffer.from(await (await fetch(plain.url + path)).arrayBuffer());
    const whole = gzipSync(body).byteLength; // level 6, 32 KiB window: the reference
    await curl(packed.url + path, GZIP); // warm-up
    const seconds = { flushed: [] as number[], none: [] as number[] };
    let wire = 0;
    for (let i = 0; i < runs; i++) {
      const flushed = await curl(packed.url + path, GZIP);
      seconds.flushed.push(flushed.seconds);
      wire = flushed.bytes;
      seconds.none.push((await curl(plain.url + path)).seconds);
    }
    // Columns: flushed gzip (sluice compress), whole-stream gzip, none.
    rows.push({
      label: `sse: bytes on the wire (${events} events)`,
      values: [wire, whole, body.byteLength],
      higherIsBetter: false,
    });
    rows.push({
      label: "sse: share of whole-stream gzip's saving",
      values: [(body.byteLength - wire) / (body.byteLength - whole), 1, 0],
      higherIsBetter: true,
      plain: true,
    });
    rows.push({
      label: `sse (events/s, median of ${runs})`,
      values: [events / median(seconds.flushed), NaN, events / median(seconds.none)],
      higherIsBetter: true,
    });
    const latency = [
      await node("latency", packed.url, "100", "30", "100", "gzip"),
      await node("latency", plain.url, "100", "30", "100"),
    ];
    rows.push({ label: "latency p50 (ms)", values: [latency[0]!.p50!, NaN, latency[1]!.p50!], higherIsBetter: false });
    rows.push({ label: "latency p99 (ms)", values: [latency[0]!.p99!, NaN, latency[1]!.p99!], higherIsBetter: false });
  } finally {
    await Promise.all([stop(plain), stop(packed)]);
  }
  const memory = [];
  for (const [variant, encoding] of [
    ["sluice-compress", "gzip"],
    ["sluice-compress", "br"],
    ["sluice", undefined],
  ] as const) {
    const server = await start(runtime, variant); // fresh: memory per stream from a clean start
    try {
      memory.push(await node("many", server.url, String(streams), ...(encoding ? [encoding] : [])));
    } finally {
      await stop(server);
    }
  }
  rows.push({
    label: `idle SSE stream: RSS KiB/stream (${streams}; gzip, br, none)`,
    values: memory.map((m) => m.rssPerStream! / 1024),
    higherIsBetter: false,
    plain: true,
  });
  rows.push({
    label: "idle SSE stream: JS heap KiB/stream (gzip, br, none)",
    values: memory.map((m) => m.heapPerStream! / 1024),
    higherIsBetter: false,
    plain: true,
  });
  return {
    runtime: "node",
    version: await version(runtime),
    title: "compression",
    variants: ["compress (flushed gzip)", "whole-stream gzip", "none"],
    rows,
  };
}
