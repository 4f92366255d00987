/**
 * The conformance fixture behind `compress(fixture)`, served by sluice's adapter of the
 * runtime it runs on: Node (from the build), Deno or Bun (from source).
 */
import { createReadStream } from "node:fs";
import process from "node:process";
import { fixture, host } from "../fixture/fixture.ts";
import { controlled, shutdownGrace } from "./control.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const adapter =
  runtime === "deno"
    ? await import("../../runtimes/deno.ts")
    : runtime === "bun"
      ? await import("../../runtimes/bun.ts")
      : await import("../../runtimes/node.ts");

host.openFile = adapter.openFile;
host.readStream = (path) => createReadStream(path);
host.rss = () => process.memoryUsage().rss;
controlled(await adapter.serve(adapter.compress(fixture), { port: 0, hostname: "127.0.0.1", shutdownGrace }));
