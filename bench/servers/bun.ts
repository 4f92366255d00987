/** A benchmark server on Bun: `bun bench/servers/bun.ts <variant>`; prints {"url"}. */
import process from "node:process";
import { serve } from "../../runtimes/bun.ts";
import { announce, startFetchVariant, type FetchHandler } from "./common.ts";

declare const Bun: {
  serve(options: { port: number; hostname: string; idleTimeout: number; fetch: FetchHandler }): { port: number };
};

await startFetchVariant(
  process.argv[2],
  (handler) => serve(handler, { port: 0, hostname: "127.0.0.1" }),
  // idleTimeout 0: without it Bun cuts the idle streams of the many-streams workload at 10 s.
  (fetch) => announce(Bun.serve({ port: 0, hostname: "127.0.0.1", idleTimeout: 0, fetch }).port),
);
