/** A benchmark server on Deno: `deno run -A bench/servers/deno.ts <variant>`; prints {"url"}. */
import process from "node:process";
import { serve } from "../../runtimes/deno.ts";
import { honoApp } from "./hono-app.ts";
import { naiveApp } from "./naive-app.ts";
import { sluiceApp } from "./sluice-app.ts";

declare const Deno: {
  args: string[];
  serve(options: { port: number; hostname: string; onListen(addr: { port: number }): void }, handler: (request: Request) => Response | Promise<Response>): unknown;
};
/** RSS after a full GC where the runtime allows it, so garbage does not count as memory held. */
const memory = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heap: heapUsed + external };
};
const announce = (port: number) => console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/` }));
const listen = (handler: (request: Request) => Response | Promise<Response>) =>
  Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => announce(port) }, handler);

switch (Deno.args[0]) {
  case "sluice":
    announce((await serve(sluiceApp(memory), { port: 0, hostname: "127.0.0.1" })).port);
    break;
  case "pull":
    listen(naiveApp(memory));
    break;
  case "hono-streamSSE":
    listen(honoApp(memory).fetch);
    break;
  default:
    throw new Error(`unknown variant ${Deno.args[0]}`);
}
