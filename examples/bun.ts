/**
 * What `npm run start:bun` runs: the demo on Bun, with `sluice/bun`.
 *
 *     bun examples/bun.ts
 *
 * The page's modules are read from dist/, which `npm run build` makes. Options as for
 * Node: see examples/start.ts.
 * @module
 */
import { compress, openFile, serve } from "../runtimes/bun.ts";
import { runDemo } from "./start.ts";

await runDemo("Bun", { serve, openFile, compress });
