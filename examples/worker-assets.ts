/**
 * The Worker's static assets: the page's ES modules, copied from the build (and from
 * eventsource-parser) to the URL paths the page loads them from, under
 * dist/worker-assets/, which examples/wrangler.toml serves. On Node, Deno and Bun,
 * examples/routes/modules.ts serves the same files from where they are.
 *
 *     npm run build && node dist/examples/worker-assets.js
 *
 * (`npm run start:worker` and wrangler's `[build]` step run it.)
 * @module
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { moduleFiles } from "./routes/modules.ts";

/** dist/worker-assets: this module runs as dist/examples/worker-assets.js. */
const ASSETS = fileURLToPath(new URL("../worker-assets/", import.meta.url));

rmSync(ASSETS, { recursive: true, force: true });
const files = moduleFiles();
for (const { pathname, file } of files) {
  const target = join(ASSETS, pathname);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
console.log(`worker assets: ${files.length} modules in ${ASSETS}`);
