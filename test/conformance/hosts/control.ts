/**
 * What every host process does besides serving: print where it listens, and on a
 * `close` line from stdin, close the server and print what the producers did.
 * Written against `node:process`, which Node, Deno and Bun all provide.
 */
import process from "node:process";
import { allStats } from "../fixture.ts";

export function controlled(server: { url: URL; close(): Promise<void> }): void {
  process.stdout.write(JSON.stringify({ url: server.url.href }) + "\n");
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (text: string) => {
    input += text;
    if (!input.includes("close\n")) return;
    const started = Date.now();
    void server.close().then(() => {
      process.stdout.write(JSON.stringify({ closed: true, ms: Date.now() - started, stats: allStats() }) + "\n", () => process.exit(0));
    });
  });
}
