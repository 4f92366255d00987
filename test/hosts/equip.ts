/**
 * What every sluice-adapter host process gives the fixture besides the server: its
 * adapter's openFile and serve, a file reader, and memory readings. Shared by the plain
 * hosts (node.ts, deno.ts, bun.ts) and the HTTPS one (secure.ts), so the suite sees the
 * same host over either.
 */
import { createReadStream } from "node:fs";
import process from "node:process";
import { host } from "../fixture/fixture.ts";
import { heapAfterGc } from "./control.ts";

export interface AdapterModule {
  serve: unknown;
  openFile: unknown;
}

/** The runtime this host process runs on. */
export const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** sluice's adapter of {@link runtime}: for hosts that run on any of the three (from the build on Node, from source elsewhere). */
export async function runtimeAdapter() {
  return runtime === "deno"
    ? await import("../../runtimes/deno.ts")
    : runtime === "bun"
      ? await import("../../runtimes/bun.ts")
      : await import("../../runtimes/node.ts");
}

/** `heap` defaults to a V8 GC (the process started with --expose-gc); Bun passes its own. */
export function equip(adapter: AdapterModule, heap: () => number | undefined = heapAfterGc): void {
  host.openFile = adapter.openFile as never;
  host.readStream = (path) => createReadStream(path);
  host.rss = () => process.memoryUsage().rss;
  host.heap = heap;
  host.adapter = { serve: adapter.serve as never, openFile: adapter.openFile as never };
}

/** Bun's heap after a full, synchronous GC. */
export function bunHeap(): number {
  (globalThis as unknown as { Bun: { gc(sync: boolean): void } }).Bun.gc(true);
  return process.memoryUsage().heapUsed;
}
