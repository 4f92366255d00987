/**
 * Global setup of `npm run test:stress`: marks every process the suite starts (the mark
 * is inherited through the environment by the host processes and workerd), and at the
 * end fails the run if any of them is still running.
 */
import { readdir, readFile } from "node:fs/promises";

const MARK = "SLUICE_STRESS_RUN";

export function setup(): void {
  process.env[MARK] = `${process.pid}-${Date.now()}`;
}

/** Processes other than this one whose environment carries this run's mark. */
async function marked(): Promise<string[]> {
  const mark = `${MARK}=${process.env[MARK]}`;
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${pid}/environ`, "latin1");
      if (!environ.split("\0").includes(mark)) continue;
      const command = (await readFile(`/proc/${pid}/cmdline`, "latin1")).split("\0").join(" ").trim();
      if (!/vitest/.test(command)) found.push(`${pid} ${command}`); // vitest's own workers exit on their own
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export async function teardown(): Promise<void> {
  let left = await marked();
  for (let tries = 0; left.length > 0 && tries < 20; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = await marked();
  }
  if (left.length > 0) throw new Error(`stress: processes left running after the suite:\n${left.join("\n")}`);
  console.log("stress: no host, deno, bun or workerd process left running");
}
