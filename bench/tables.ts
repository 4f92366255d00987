/**
 * The bench's results as tables: one per runtime and kind of workload, a median per cell,
 * and each variant's ratio to sluice (the first column).
 */
import { markdownTable } from "../tools/sections.ts";

export const format = (value: number) =>
  Number.isNaN(value)
    ? "–"
    : value >= 100_000
      ? `${(value / 1000).toFixed(0)}k`
      : value >= 100
        ? value.toFixed(0)
        : value.toFixed(2);

export interface Row {
  label: string;
  /** One per variant; NaN where the row does not apply to a variant. */
  values: number[];
  higherIsBetter: boolean;
  /** Figures to read, not to compare: no ratios (e.g. how busy the client was). */
  plain?: boolean;
}

/** One table: a runtime's results for some workloads. */
export interface Result {
  runtime: string;
  version: string;
  /** What the table is of, after the runtime's name ("" for the v1 workloads). */
  title: string;
  variants: string[];
  rows: Row[];
  /** Said under the table: what was skipped, and why. */
  notes?: string[];
}

/** sluice's advantage over variant `i` in `row` (>1: sluice better). */
export const ratio = ({ values, higherIsBetter }: Row, i: number) =>
  higherIsBetter ? values[0]! / values[i]! : values[i]! / values[0]!;

/** One table: rows of [label, value per variant], and each variant's ratio to sluice. */
export function table({ runtime, version, title, variants, rows, notes = [] }: Result): string {
  const body = rows.map((row) => [
    row.label,
    ...row.values.map((value, i) =>
      i === 0 || row.plain || !Number.isFinite(value) || !Number.isFinite(row.values[0]!)
        ? format(value)
        : `${format(value)} (sluice ${ratio(row, i).toFixed(2)}x)`,
    ),
  ]);
  const heading = `**${runtime}${title ? ` ${title}` : ""} (${version})**`;
  return [heading, markdownTable(["workload", ...variants], body), ...notes.map((note) => `Note: ${note}`)].join("\n\n");
}
