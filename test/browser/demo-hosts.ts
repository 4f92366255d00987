/**
 * The demo on every runtime, each started as its npm script starts it, on 127.0.0.1 and
 * a free port: Deno and Bun by `npm run start:deno` / `start:bun` (minus the build, which
 * `npm run test:browser` has done: a second one would rewrite dist/ under the other test
 * files), the Worker by `npm run start:worker` (wrangler dev, which builds into a folder
 * of its own), Node by the handler on `sluice/node` in this process (demo-server.ts).
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Runtime } from "../../examples/app.ts";
import { startDemo } from "./demo-server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** A demo host that is running. */
export interface DemoHost {
  runtime: Runtime;
  url: URL;
  /** What its process printed, for a failure's message. */
  output(): string;
  stop(): Promise<void>;
}

/** wrangler, offline and quiet: no usage data, no `Request.cf` download, no banner (whose update check asks npm). */
const WRANGLER_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };

/** Starts the demo on `runtime`; generous time to start, as wrangler compiles and bundles first. */
export async function startHost(runtime: Runtime): Promise<DemoHost> {
  switch (runtime) {
    case "Node": {
      const demo = await startDemo();
      return { runtime, url: demo.url, output: () => "", stop: () => demo.close() };
    }
    case "Deno":
    case "Bun": {
      const script = `start:${runtime.toLowerCase()}`;
      const command = scripts[script]!.replace(/^npm run build --silent && /, "");
      if (command === scripts[script])
        throw new Error(`package.json's ${script} no longer starts with the build: update demo-hosts.ts`);
      return spawnHost(runtime, command, { PORT: "0", HOST: "127.0.0.1" }, /open (http:\/\/127\.0\.0\.1:\d+\/)/);
    }
    case "Workers": {
      const state = mkdtempSync(join(tmpdir(), "sluice-wrangler-"));
      const host = await spawnHost(
        runtime,
        `npm run --silent start:worker -- --ip 127.0.0.1 --port 0 --persist-to ${state}`,
        WRANGLER_ENV,
        /Ready on (http:\/\/127\.0\.0\.1:\d+)/,
      );
      return { ...host, stop: () => host.stop().finally(() => rmSync(state, { recursive: true, force: true })) };
    }
  }
}

/**
 * Runs `command` in a shell of its own process group (npm, sh and the runtime are all
 * stopped together) until it prints the URL `listening` captures.
 */
async function spawnHost(runtime: Runtime, command: string, env: Record<string, string>, listening: RegExp): Promise<DemoHost> {
  const child = spawn(command, {
    cwd: root,
    shell: true,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` },
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${runtime}: no URL in 60 s from \`${command}\`:\n${output}`)), 60_000);
    const read = (text: Buffer) => {
      output = (output + text.toString("utf8")).slice(-50_000);
      const found = listening.exec(output)?.[1];
      if (found === undefined) return;
      clearTimeout(timer);
      resolve(new URL(found));
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("exit", (code) => reject(new Error(`${runtime}: \`${command}\` exited (${code}) before it listened:\n${output}`)));
  }).catch(async (error: unknown) => {
    await stopGroup(child.pid, exited);
    throw error;
  });
  return { runtime, url, output: () => output, stop: () => stopGroup(child.pid, exited) };
}

/**
 * Ends process group `pid` (SIGTERM, then SIGKILL after 5 s), waits for its leader to
 * exit, then kills what is left of the group.
 */
async function stopGroup(pid: number | undefined, exited: Promise<void>): Promise<void> {
  if (pid === undefined) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {} // the group is gone already
  };
  signal("SIGTERM");
  const late = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(late);
  signal("SIGKILL"); // whatever of the group outlived its leader (workerd under wrangler)
}
