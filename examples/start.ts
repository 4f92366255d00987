/**
 * Starting the demo the way `npm run start:deno` and `npm run start:bun` do: the one
 * fetch handler (examples/app.ts) on the runtime's own adapter, on port 8000 (`PORT` to
 * change, 0 for a free one; `HOST` to listen on one address only), topics in Redis when
 * `REDIS_URL` is set, closed on Ctrl-C. Written against `node:process`, which Deno and
 * Bun both provide.
 * @module
 */
import process from "node:process";
import type { FetchHandler, ServeOptions, Server } from "../src/_kit/serve.ts";
import type { FileLike } from "../src/index.ts";
import { redisStore } from "../stores/redis.ts";
import { createDemo, type Runtime } from "./app.ts";
import { modulesRoute } from "./routes/modules.ts";

/** What the demo needs of a runtime adapter: `sluice/node`, `sluice/deno` and `sluice/bun` as they are. */
export interface Adapter {
  serve(handler: FetchHandler, options?: ServeOptions): Promise<Server>;
  openFile(path: string): Promise<FileLike>;
  compress(handler: FetchHandler): FetchHandler;
}

/** Serves the demo, compressed, on `runtime` with `adapter` (over HTTPS with `tls`), and prints where. */
export async function runDemo(runtime: Runtime, adapter: Adapter, tls?: ServeOptions["tls"]): Promise<void> {
  const redisUrl = process.env.REDIS_URL;
  const store = redisUrl ? redisStore({ url: redisUrl }) : undefined;
  const handler = createDemo({ runtime, modules: modulesRoute(adapter.openFile), ...(store && { store }) });
  const server = await adapter.serve(adapter.compress(handler), {
    port: Number(process.env.PORT || 8000),
    ...(process.env.HOST && { hostname: process.env.HOST }),
    ...(tls && { tls }),
  });
  console.log(`sluice demo on ${runtime}: open ${server.url} in a browser (Ctrl-C to stop)`);
  if (store)
    console.log(`topics (room, answers) are kept in Redis at ${redisUrl?.replace(/\/\/([^@/]*):[^@/]*@/, "//$1:****@")}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void server.close().then(() => process.exit(0)));
  }
}
