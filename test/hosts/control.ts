/**
 * What every host process does besides serving: print where it listens, and on a
 * `close` line from stdin, close the server and print what the producers did.
 * Written against `node:process`, which Node, Deno and Bun all provide.
 *
 * For the stress suite (test/stress): `shutdown` closes the same way but then lets go of
 * stdin instead of exiting, so the process ends only if close() left nothing running;
 * with SLUICE_STRESS=1, unhandled rejections are counted (GET /stress/state) instead of
 * crashing the process, so the suite can name them.
 */
import process from "node:process";
import { allStats } from "../fixture/fixture.ts";
import { allStressStats, noteUnhandled } from "../fixture/stress-routes.ts";

/** ms close() waits for open responses: SLUICE_SHUTDOWN_GRACE, else 2 s. */
export const shutdownGrace = Number(process.env.SLUICE_SHUTDOWN_GRACE || 2_000);

/** Heap in use after a full GC, where the runtime was started with GC exposed (V8: --expose-gc). */
export function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc(); // a second pass collects what the first one's finalizers let go
  return process.memoryUsage().heapUsed;
}

export function controlled(server: { url: URL; close(): Promise<void> }): void {
  if (process.env.SLUICE_STRESS === "1") {
    process.on("unhandledRejection", (reason) => {
      noteUnhandled();
      process.stderr.write(`stress host: unhandled rejection: ${String((reason as Error)?.stack ?? reason)}\n`);
    });
  }
  process.stdout.write(JSON.stringify({ url: server.url.href }) + "\n");
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (text: string) => {
    input += text;
    const command = input.includes("close\n") ? "close" : input.includes("shutdown\n") ? "shutdown" : undefined;
    if (!command) return;
    input = "";
    const started = Date.now();
    void server.close().then(() => {
      const line = JSON.stringify({ closed: true, ms: Date.now() - started, stats: allStats(), stress: allStressStats() }) + "\n";
      if (command === "close") process.stdout.write(line, () => process.exit(0));
      else process.stdout.write(line, () => process.stdin.destroy());
    });
  });
}
