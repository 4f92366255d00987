/**
 * The processes of a bench run: the runtimes and their server variants, each started as
 * its own process on 127.0.0.1:0, and the clients that drive them (curl and Node scripts),
 * always in another process than the server they measure.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

export interface Runtime {
  name: string;
  command: (variant: string) => [string, string[]];
  /** The v1 variants (sse, tiny, bulk, latency, many streams), sluice first. */
  variants: string[];
  /** The fan-out variants, sluice first, and how their tables name them; `redis`: it needs a redis-server (bench/redis.ts). */
  fanOut: { variant: string; label: string; redis?: true }[];
}

const betterSse = { variant: "better-sse", label: "better-sse" };
/** The column of sluice's topics on the Redis store, beside the memory store's ("sluice"). */
export const REDIS_LABEL = "sluice topics (Redis)";

export const runtimes: Runtime[] = [
  {
    name: "node",
    command: (variant) => [process.execPath, ["--expose-gc", `${root}dist/bench/servers/node.js`, variant]],
    variants: ["sluice", "node-http", "hono-node-pull", "hono-streamSSE"],
    fanOut: [
      { variant: "sluice-topics", label: "sluice" },
      { variant: "node-http-loop", label: "node:http loop" },
      betterSse,
      { variant: "sluice-topics-redis", label: REDIS_LABEL, redis: true },
    ],
  },
  {
    name: "deno",
    command: (variant) => [bin("deno"), ["run", "-A", "--v8-flags=--expose-gc", `${root}bench/servers/deno.ts`, variant]],
    variants: ["sluice", "pull", "hono-streamSSE"],
    fanOut: [{ variant: "sluice-topics", label: "sluice" }, { variant: "stream-loop", label: "stream loop" }, betterSse],
  },
  {
    name: "bun",
    command: (variant) => [bin("bun"), [`${root}bench/servers/bun.ts`, variant]],
    variants: ["sluice", "pull", "hono-streamSSE"],
    fanOut: [{ variant: "sluice-topics", label: "sluice" }, { variant: "stream-loop", label: "stream loop" }, betterSse],
  },
];

export interface Server {
  url: string;
  process: ChildProcess;
}

/** Starts `variant` of `runtime` (with `env` added to its environment) and waits for the URL it prints. */
export async function start(runtime: Runtime, variant: string, env?: Record<string, string>): Promise<Server> {
  const [command, commandArgs] = runtime.command(variant);
  const child = spawn(command, commandArgs, {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: env && { ...process.env, ...env },
  });
  const url = await firstLine(child, `${runtime.name}/${variant}`, (line) => line.startsWith("{"));
  return { url: (JSON.parse(url) as { url: string }).url, process: child };
}

export function stop(server: { process: ChildProcess }): Promise<void> {
  return new Promise((resolve) => {
    if (server.process.exitCode !== null || server.process.signalCode !== null) return resolve();
    server.process.once("exit", () => resolve());
    server.process.kill("SIGKILL");
  });
}

/** The first line of `child`'s stdout that `wanted` accepts; rejects if it exits first. */
function firstLine(child: ChildProcess, name: string, wanted: (line: string) => boolean): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    const onLine = (line: string) => {
      if (!wanted(line)) return;
      lines.off("line", onLine);
      child.off("exit", onExit);
      resolve(line);
    };
    const onExit = (code: number | null) => reject(new Error(`${name} exited with ${code}`));
    lines.on("line", onLine);
    child.once("exit", onExit);
  });
}

/** Seconds curl takes to read the whole body, and its size on the wire (curl decodes nothing). */
export async function curl(url: string, headers: string[] = []): Promise<{ seconds: number; bytes: number }> {
  const extra = headers.flatMap((header) => ["-H", header]);
  const { stdout } = await run("curl", ["-s", "-N", ...extra, "-o", "/dev/null", "-w", "%{time_total} %{size_download}", url], {
    maxBuffer: 1024 * 1024,
  });
  const [seconds, bytes] = stdout.trim().split(" ").map(Number);
  return { seconds: seconds!, bytes: bytes! };
}

/** Runs the client `script` (bench/clients) to its end; its last line of output, as JSON. */
export async function node(script: string, ...rest: string[]): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, [`${root}dist/bench/clients/${script}.js`, ...rest], { maxBuffer: 1024 * 1024 });
  return JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, number>;
}

/** Starts the client `script` (bench/clients) and leaves it running, for a conversation in lines of JSON. */
export function client(script: string, ...rest: string[]): ChildProcess {
  return spawn(process.execPath, [`${root}dist/bench/clients/${script}.js`, ...rest], {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
  });
}

export async function version(runtime: Runtime): Promise<string> {
  if (runtime.name === "node") return process.version;
  const { stdout } = await run(bin(runtime.name), ["--version"]);
  return stdout.split("\n")[0]!.trim();
}
