/** A benchmark server on Bun: `bun bench/servers/bun.ts <variant>`; prints {"url"}. */
import process from "node:process";
import { serve } from "../../runtimes/bun.ts";
import { honoApp } from "./hono-app.ts";
import { naiveApp } from "./naive-app.ts";
import { sluiceApp } from "./sluice-app.ts";

declare const Bun: {
  serve(options: { port: number; hostname: string; idleTimeout: number; fetch: (request: Request) => Response | Promise<Response> }): { port: number };
};
/** RSS after a full GC where the runtime allows it, so garbage does not count as memory held. */
const memory = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heap: heapUsed + external };
};
const announce = (port: number) => console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/` }));
// idleTimeout 0: without it Bun cuts the idle streams of the many-streams workload at 10 s.
const listen = (fetch: (request: Request) => Response | Promise<Response>) =>
  announce(Bun.serve({ port: 0, hostname: "127.0.0.1", idleTimeout: 0, fetch }).port);

switch (process.argv[2]) {
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
    throw new Error(`unknown variant ${process.argv[2]}`);
}
