/**
 * The ids an event stream delivered, written so that a gap, a repeat or a reordering is
 * visible at a glance: `1–37` when they are exactly 1, 2, …, 37.
 * @module
 */

/**
 * Joins runs of consecutive ids: `[1, 2, 3, 5, 6]` is `"1–3, 5–6"`, a repeat
 * `[1, 2, 2, 3]` is `"1–2, 2–3"`, no ids is `"none"`.
 * @example
 * ```ts
 * formatRanges([1, 2, 3, 4]); // "1–4"
 * ```
 */
export function formatRanges(ids: readonly number[]): string {
  if (ids.length === 0) return "none";
  const runs: string[] = [];
  let start = ids[0]!;
  let previous = start;
  for (const id of ids.slice(1)) {
    if (id === previous + 1) {
      previous = id;
      continue;
    }
    runs.push(run(start, previous));
    start = previous = id;
  }
  runs.push(run(start, previous));
  return runs.join(", ");
}

function run(start: number, end: number): string {
  return start === end ? String(start) : `${start}–${end}`;
}
