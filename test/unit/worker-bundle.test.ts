/**
 * The demo Worker as a deploy bundles it: `npm run check:worker` is `wrangler deploy
 * --dry-run`, which runs the build, bundles examples/worker.ts with everything it imports
 * and stops before uploading. A missing export or an import workerd cannot resolve (a
 * `node:` module without `nodejs_compat`) fails here, not in a user's deploy.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** The Workers Free plan's limit on a Worker's size after gzip, in KiB. */
const FREE_PLAN_GZIP_KIB = 3 * 1024;

test("wrangler deploy --dry-run bundles the demo Worker into one module, with TopicObject exported, no import left and under the free plan's size", () => {
  const run = spawnSync("npm", ["run", "--silent", "check:worker"], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
    // Offline and quiet: no usage data, no banner (its update check asks npm).
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true" },
  });
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status, output).toBe(0);
  expect(output).toContain("--dry-run: exiting now.");
  const bundle = readFileSync(`${root}dist/worker/bundle/worker.js`, "utf8");
  expect(bundle.match(/^\s*(import|export)\b.*\bfrom\s*["'][^"']+["']/gm) ?? [], "imports left in the bundle").toEqual([]);
  expect(bundle).not.toMatch(/["']node:[a-z_/]+["']/);
  const exported = /^export\s*\{([^}]*)\}/m.exec(bundle)?.[1] ?? "";
  expect(exported).toMatch(/\bTopicObject\b/);
  expect(exported).toMatch(/\bas default\b/);

  const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  expect(size, output).not.toBeNull();
  const [kib, gzipKib] = [Number(size![1]), Number(size![2])];
  expect(kib).toBeCloseTo(statSync(`${root}dist/worker/bundle/worker.js`).size / 1024, 0);
  expect(gzipKib).toBeLessThan(FREE_PLAN_GZIP_KIB);
  console.log(`demo Worker bundle: ${kib} KiB, ${gzipKib} KiB gzipped (wrangler deploy --dry-run)`);
}, 120_000);
