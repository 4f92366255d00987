/**
 * The Worker's static assets: the page's ES modules, copied from the build this module
 * is part of (and from eventsource-parser) into folder `<target>`, at the URL paths the
 * page loads them from; examples/wrangler.toml serves dist/worker/assets. On Node, Deno
 * and Bun, examples/routes/modules.ts serves the same files from where they are.
 *
 *     node dist/examples/worker-assets.js <target>
 *
 * (`npm run build:worker`, which wrangler's `[build]` step runs.)
 * @module
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { moduleFiles } from "./routes/modules.ts";

const target = process.argv[2];
if (target === undefined) throw new Error("worker-assets: say where the assets go: node dist/examples/worker-assets.js <folder>");
const ASSETS = resolve(target);

rmSync(ASSETS, { recursive: true, force: true });
const files = moduleFiles();
for (const { pathname, file } of files) {
  const target = join(ASSETS, pathname);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
console.log(`worker assets: ${files.length} modules in ${ASSETS}`);
