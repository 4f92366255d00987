/**
 * The hosts the conformance suite runs against: each a real server on 127.0.0.1:0, in
 * its own process (or, for workerd, a Miniflare instance).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Stats } from "./fixture.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

export interface RunningHost {
  url: URL;
  /** Closes the server the way users do (`server.close()`); undefined where there is none. */
  close?: () => Promise<{ ms: number; stats: Record<string, Stats> }>;
  stop(): Promise<void>;
}

export interface Host {
  name: string;
  start(): Promise<RunningHost>;
  /** What this host cannot do, each with the reason; its tests say so rather than pass. */
  cannot?: Partial<Record<"close" | "truncate" | "files", string>>;
}

/** Starts `command`, waits for its `{"url"}` line, and talks to it over stdin/stdout. */
async function processHost(command: string, args: string[]): Promise<RunningHost> {
  const child = spawn(command, args, { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  lines.on("line", (line) => {
    if (!line.startsWith("{")) return;
    waiting.shift()?.(JSON.parse(line) as Record<string, unknown>);
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      waiting.push(resolve);
      child.once("exit", (code) => reject(new Error(`${command} exited (${code}) before answering`)));
    });
  const first = await Promise.race([
    next(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${command} did not start in 20 s`)), 20_000)),
  ]);
  return {
    url: new URL(first.url as string),
    close: async () => {
      const answer = next();
      child.stdin!.write("close\n");
      const { ms, stats } = await answer;
      return { ms: ms as number, stats: stats as Record<string, Stats> };
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

export const node: Host = {
  name: "node",
  start: () => processHost(process.execPath, ["dist/test/conformance/hosts/node.js"]),
};

export const deno: Host = {
  name: "deno",
  start: () => processHost(bin("deno"), ["run", "--allow-net", "--allow-env", "--allow-read", "--no-prompt", "test/conformance/hosts/deno.ts"]),
};

export const bun: Host = {
  name: "bun",
  start: () => processHost(bin("bun"), ["test/conformance/hosts/bun.ts"]),
};

export const honoNode: Host = {
  name: "hono-node",
  start: () => processHost(process.execPath, ["dist/test/conformance/hosts/hono-node.js"]),
  cannot: {
    close:
      "@hono/node-server's close() is Node's server.close(), which waits for open streams forever; " +
      "serve a Hono app with sluice/node's serve(app.fetch) for a close() that ends them",
  },
};

/** The compatibility flags a Worker needs for sluice (see README, "Cloudflare Workers"). */
export const WORKER_FLAGS = ["enable_request_signal"];

export const workerd: Host = {
  name: "workerd",
  async start() {
    const { Miniflare } = await import("miniflare");
    const mf = new Miniflare({
      modules: true,
      modulesRoot: `${root}dist`,
      modulesRules: [{ type: "ESModule", include: ["**/*.js"] }], // the build is ESM throughout
      scriptPath: `${root}dist/test/conformance/hosts/worker.js`,
      compatibilityDate: "2026-04-01",
      compatibilityFlags: WORKER_FLAGS,
      host: "127.0.0.1",
      port: 0,
    });
    const url = await mf.ready;
    return { url: new URL(url), stop: () => mf.dispose() };
  },
  cannot: {
    close: "a Worker has no server to close: workerd owns the process and its shutdown",
    files: "a Worker has no file system, so sluice/workers has no openFile()",
    truncate:
      "workerd ends an errored body with a clean chunked terminator (cloudflare/workerd#6818); " +
      "use onError to send an in-band error marker there",
  },
};
