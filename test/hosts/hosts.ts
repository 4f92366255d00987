/**
 * The hosts the conformance suite runs against: each a real server on 127.0.0.1:0, in
 * its own process (or, for workerd, a Miniflare instance).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Stats } from "../fixture/fixture.ts";
import type { StressStats } from "../fixture/stress-routes.ts";
import { type NodeLine, nodeBinary } from "./node-versions.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

export interface RunningHost {
  url: URL;
  /** Closes the server the way users do (`server.close()`); undefined where there is none. */
  close?: () => Promise<Closed>;
  /**
   * Closes the server like `close`, then lets the process end by itself (no `exit()`):
   * `exited` settles only if close() left nothing running in it.
   */
  shutdown?: () => Promise<Closed & { exited: Promise<{ code: number | null; signal: string | null }> }>;
  /** What the process wrote to stderr, where `StartOptions.quiet` kept it. */
  stderr?: () => string;
  /** The host's process id, where it has its own process. */
  pid?: number;
  stop(): Promise<void>;
}

export interface Closed {
  ms: number;
  stats: Record<string, Stats>;
  stress: Record<string, StressStats>;
}

/** For the stress suite: environment for the host process, and stderr kept rather than shown. */
export interface StartOptions {
  env?: Record<string, string>;
  quiet?: boolean;
}

/**
 * Things a host cannot do: `close` (no server to close), `truncate` (an errored body ends
 * cleanly), `files`, `heap` (no GC to trigger), `reset` (cannot reset an HTTP/1.0
 * connection), `pipeline` (drops pipelined requests), `early` (never reports a client
 * that left before its response started), `badHost` (answers a bad Host itself), `server`
 * (the HTTP server is not a sluice adapter, so what adapters guarantee is not on it),
 * `quiet` (logs a body that ended as an error, even one sluice ended on purpose).
 */
export type Gap = "close" | "truncate" | "files" | "heap" | "reset" | "pipeline" | "early" | "badHost" | "server" | "quiet";

export interface Host {
  name: string;
  start(options?: StartOptions): Promise<RunningHost>;
  /** What this host cannot do, each with the reason; its tests say so rather than pass. */
  cannot?: Partial<Record<Gap, string>>;
}

/** Starts `command`, waits for its `{"url"}` line, and talks to it over stdin/stdout. */
export async function processHost(command: string, args: string[], options: StartOptions = {}): Promise<RunningHost> {
  const child = spawn(command, args, {
    cwd: root,
    stdio: ["pipe", "pipe", options.quiet ? "pipe" : "inherit"],
    env: { ...process.env, ...options.env },
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderr = (stderr + text).slice(-200_000); // the end is what explains a failure
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
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
  const closeWith = async (command: string): Promise<Closed> => {
    const answer = next();
    child.stdin!.write(`${command}\n`);
    const { ms, stats, stress } = await answer;
    return { ms: ms as number, stats: stats as Record<string, Stats>, stress: stress as Record<string, StressStats> };
  };
  return {
    url: new URL(first.url as string),
    close: () => closeWith("close"),
    shutdown: async () => {
      const closed = await closeWith("shutdown");
      child.stdin!.end();
      return { ...closed, exited };
    },
    stderr: () => stderr,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
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
  start: (options) => processHost(process.execPath, ["--expose-gc", "dist/test/hosts/node.js"], options),
};

/** The Node host on release line `line`'s binary (test/hosts/node-versions.ts), not the Node running the tests. */
export function nodeOn(line: NodeLine): Host {
  return {
    ...node,
    name: `node-${line}`,
    start: (options) => processHost(nodeBinary(line), ["--expose-gc", "dist/test/hosts/node.js"], options),
  };
}

export const deno: Host = {
  name: "deno",
  start: (options) =>
    processHost(
      bin("deno"),
      ["run", "--allow-net", "--allow-env", "--allow-read", "--no-prompt", "--v8-flags=--expose-gc", "test/hosts/deno.ts"],
      options,
    ),
  cannot: {
    reset:
      "Deno.serve gives no access to the socket, and Deno ends a close-delimited (HTTP/1.0) body that " +
      "failed with a FIN; put a proxy that speaks HTTP/1.1 to the upstream in front (nginx: proxy_http_version 1.1)",
  },
};

/**
 * `base`'s runtime serving the fixture over HTTPS (`serve(handler, { tls })`, secure.ts):
 * HTTP/2 by ALPN, HTTP/1.1 to clients that offer only that. The certificate is the one
 * global-setup.ts made (SLUICE_TLS_CERT/KEY), which the test workers trust (NODE_EXTRA_CA_CERTS).
 */
export function overTls(runtime: "node" | "deno", base: Host): Host {
  const args =
    runtime === "node"
      ? ([process.execPath, ["--expose-gc", "dist/test/hosts/secure.js"]] as const)
      : ([
          bin("deno"),
          ["run", "--allow-net", "--allow-env", "--allow-read", "--no-prompt", "--v8-flags=--expose-gc", "test/hosts/secure.ts"],
        ] as const);
  return {
    ...base,
    name: `${base.name}-tls`,
    start: (options = {}) => {
      if (!process.env.SLUICE_TLS_CERT || !process.env.SLUICE_TLS_KEY) {
        throw new Error("no certificate: SLUICE_TLS_CERT/KEY are set by test/conformance/global-setup.ts");
      }
      return processHost(args[0], [...args[1]], options);
    },
  };
}

export const bun: Host = {
  name: "bun",
  start: (options) => processHost(bin("bun"), ["test/hosts/bun.ts"], options),
  cannot: {
    pipeline:
      "Bun closes a kept-alive connection, unanswered, when a pipelined request arrives while an async " +
      "handler is still running: both requests are lost, never mixed up (oven-sh/bun#38128)",
  },
};

export const honoNode: Host = {
  name: "hono-node",
  start: (options) => processHost(process.execPath, ["dist/test/hosts/hono-node.js"], options),
  cannot: {
    close:
      "@hono/node-server's close() is Node's server.close(), which waits for open streams forever; " +
      "serve a Hono app with sluice/node's serve(app.fetch) for a close() that ends them",
    server:
      "the server is @hono/node-server, not sluice/node: what the adapter does to a response (framing, HEAD, " +
      "HTTP/1.0 resets, header checks) is not done; serve a Hono app with sluice/node's serve(app.fetch)",
  },
};

/** The Hono-on-Node host on release line `line`'s binary. */
export function honoNodeOn(line: NodeLine): Host {
  return {
    ...honoNode,
    name: `hono-node-${line}`,
    start: (options) => processHost(nodeBinary(line), ["dist/test/hosts/hono-node.js"], options),
  };
}

/**
 * The Worker's modules, as a bundler would give them to workerd: the build (the fixture
 * first, as the entry), and sluice/client's one dependency. workerd resolves a bare
 * specifier beside the module that imports it (`dist/src/eventsource-parser` for
 * `dist/src/client.js`), so that is a module re-exporting the package's files.
 */
async function workerModules(main = "dist/test/hosts/worker.js") {
  const { readdir, readFile } = await import("node:fs/promises");
  const files = async (dir: string) =>
    (await readdir(`${root}${dir}`, { recursive: true }))
      .filter((name) => name.endsWith(".js"))
      .map((name) => `${root}${dir}/${name}`);
  const entry = `${root}${main}`;
  const paths = [
    entry,
    ...(await files("dist")).filter((path) => path !== entry),
    ...(await files("node_modules/eventsource-parser/dist")),
  ];
  const modules = await Promise.all(
    paths.map(async (path) => ({ type: "ESModule" as const, path, contents: await readFile(path, "utf8") })),
  );
  modules.push({
    type: "ESModule",
    path: `${root}dist/src/eventsource-parser`,
    contents: 'export * from "../../node_modules/eventsource-parser/dist/index.js";',
  });
  return modules;
}

/**
 * workerd running the Durable Object tests' Worker (`test/hosts/durable-worker.ts`), with
 * `TestTopicObject` bound as `TOPICS` (SQLite-backed, as `new_sqlite_classes` makes it)
 * and its storage kept in `persist`: a host started again on the same directory is the
 * same objects restarted.
 */
export async function durableWorkerd(persist: string): Promise<RunningHost> {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modulesRoot: root,
    modules: await workerModules("dist/test/hosts/durable-worker.js"),
    compatibilityDate: "2026-04-01",
    compatibilityFlags: WORKER_FLAGS,
    durableObjects: { TOPICS: { className: "TestTopicObject", useSQLite: true } },
    durableObjectsPersist: persist,
    host: "127.0.0.1",
    port: 0,
  });
  const url = await mf.ready;
  // Once: a test that restarts the object stops it itself, and stops it again when it ends.
  let stopped: Promise<void> | undefined;
  return { url: new URL(url), stop: () => (stopped ??= mf.dispose()) };
}

/** The compatibility flags a Worker needs for sluice (see README, "Cloudflare Workers"). */
export const WORKER_FLAGS = ["enable_request_signal"];

export const workerd: Host = {
  name: "workerd",
  async start(options = {}) {
    const { Miniflare } = await import("miniflare");
    let stderr = "";
    const keep = (stream: NodeJS.ReadableStream) => {
      stream.setEncoding("utf8");
      stream.on("data", (text: string) => (stderr = (stderr + text).slice(-200_000)));
    };
    const mf = new Miniflare({
      // quiet: workerd's own output (it logs every errored body) is kept, not shown.
      ...(options.quiet
        ? {
            handleRuntimeStdio: (out: NodeJS.ReadableStream, err: NodeJS.ReadableStream) => {
              keep(out);
              keep(err);
            },
          }
        : {}),
      modulesRoot: root,
      modules: await workerModules(),
      compatibilityDate: "2026-04-01",
      compatibilityFlags: WORKER_FLAGS,
      host: "127.0.0.1",
      port: 0,
    });
    const url = await mf.ready;
    return { url: new URL(url), stderr: () => stderr, stop: () => mf.dispose() };
  },
  cannot: {
    close: "a Worker has no server to close: workerd owns the process and its shutdown",
    files: "a Worker has no file system, so sluice/workers has no openFile()",
    heap: "a Worker can neither trigger a GC nor read its heap",
    truncate:
      "workerd ends an errored body with a clean chunked terminator (cloudflare/workerd#6818); " +
      "use onError to send an in-band error marker there",
    reset: "workerd ends an errored body cleanly (cloudflare/workerd#6818), on HTTP/1.0 as on HTTP/1.1",
    early:
      "workerd reports neither a request.signal abort nor a body cancel for a client that leaves before its " +
      "response starts; its producer ends at writeTimeout",
    badHost: "workerd itself answers 500 to a Host it cannot parse, before any Worker code runs: the handler never sees it",
    quiet: "workerd logs every body that ends as an error as an uncaught exception, from the runtime itself",
  },
};
