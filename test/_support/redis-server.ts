/**
 * A real `redis-server` (Debian's package, /usr/bin/redis-server) for the Redis store's
 * tests: on a free loopback port, in a temporary directory, stopped at the end. `.ci/run`
 * installs the package; where it is missing, the tests that need it are skipped and say so.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REDIS_SERVER = "/usr/bin/redis-server";
/** Why the Redis tests are skipped, or `undefined` when they run. */
export const redisMissing = existsSync(REDIS_SERVER)
  ? undefined
  : `${REDIS_SERVER} is not installed (apt-get install redis-server; .ci/run does)`;

export interface RedisServer {
  /** With the password, when it has one. */
  readonly url: string;
  readonly port: number;
  /** Sends one command (inline, without quoting) and resolves to the raw reply. */
  command(line: string): Promise<string>;
  /** Kills the server at once (SIGKILL): what a crash looks like to clients. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (with its data when it persists, `appendonly`). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** A port nothing listens on now: one the kernel gave a listener on port 0. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Sends `line` on a new connection and resolves to what came back, once it stops arriving. */
function send(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    let quiet: ReturnType<typeof setTimeout> | undefined;
    socket.setEncoding("utf8");
    socket.once("error", reject);
    socket.on("data", (chunk: string) => {
      reply += chunk;
      clearTimeout(quiet);
      quiet = setTimeout(() => {
        socket.destroy();
        resolve(reply);
      }, 50);
    });
    socket.write(`${line}\r\n`);
  });
}

/**
 * Starts a redis-server; `appendonly` keeps its data across {@link RedisServer.kill} and
 * {@link RedisServer.start}; `password` is required of every client, from the first moment
 * of each start.
 */
export async function startRedis(options: { appendonly?: boolean; password?: string } = {}): Promise<RedisServer> {
  const auth = options.password === undefined ? "" : `AUTH ${options.password}\r\n`;
  const dir = mkdtempSync(join(tmpdir(), "sluice-redis-"));
  let port = 0;
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--daemonize", "no"];
    args.push("--appendonly", options.appendonly ? "yes" : "no", "--appendfsync", "always");
    if (options.password !== undefined) args.push("--requirepass", options.password);
    const started = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    started.stdout?.on("data", (chunk) => (output += chunk));
    started.stderr?.on("data", (chunk) => (output += chunk));
    child = started;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`redis-server exited (${started.exitCode}):\n${output}`);
      try {
        if ((await send(port, `${auth}PING`)).includes("+PONG")) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} in 20 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGKILL");
    });
  };

  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      await kill();
      if (attempt === 3) throw error; // the port was taken between the check and the start, three times
    }
  }
  return {
    url: `redis://${options.password === undefined ? "" : `:${options.password}@`}127.0.0.1:${port}`,
    port,
    command: async (line) => {
      const reply = await send(port, `${auth}${line}`);
      return auth === "" ? reply : reply.replace(/^\+OK\r\n/, ""); // without AUTH's own reply
    },
    kill,
    start: launch,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
