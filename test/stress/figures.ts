/**
 * The figures the stress suite measures: printed as `[figures] host scenario: {...}` and
 * appended, one JSON line each, to dist/figures/stress-<run>.jsonl, which
 * `npm run docs:reliability` turns into docs/reliability.md (medians over the runs kept).
 * The tracked docs change only when that command is run.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where each run's figures go (dist/, never tracked). */
const FIGURES_DIR = fileURLToPath(new URL("../../dist/figures/", import.meta.url));

/** Records one scenario's figures on one host. */
export function figures(host: string, scenario: string, values: Record<string, unknown>): void {
  console.log(`[figures] ${host} ${scenario}: ${JSON.stringify(values)}`);
  mkdirSync(FIGURES_DIR, { recursive: true });
  const run = process.env.SLUICE_STRESS_RUN ?? "unmarked";
  appendFileSync(join(FIGURES_DIR, `stress-${run}.jsonl`), JSON.stringify({ host, scenario, values }) + "\n");
}
