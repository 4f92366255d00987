/**
 * What `npm run start:deno` runs: the demo on Deno, with `sluice/deno`.
 *
 *     deno run --allow-net --allow-env --allow-read --allow-sys examples/deno.ts
 *
 * (read: the page's modules under dist/, which `npm run build` makes; sys: the Redis
 * client, when `REDIS_URL` is set). Options as for Node: see examples/start.ts.
 * @module
 */
import { compress, openFile, serve } from "../runtimes/deno.ts";
import { runDemo } from "./start.ts";

await runDemo("Deno", { serve, openFile, compress });
