/** A benchmark server on Deno: `deno run -A bench/servers/deno.ts <variant>`; prints {"url"}. */
import { serve } from "../../runtimes/deno.ts";
import { announce, startFetchVariant, type FetchHandler } from "./common.ts";

declare const Deno: {
  args: string[];
  serve(options: { port: number; hostname: string; onListen(addr: { port: number }): void }, handler: FetchHandler): unknown;
};

await startFetchVariant(
  Deno.args[0],
  (handler) => serve(handler, { port: 0, hostname: "127.0.0.1" }),
  (handler) => Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => announce(port) }, handler),
);
