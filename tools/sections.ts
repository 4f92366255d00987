/**
 * Generated sections of the docs: the text between `<!-- begin generated: NAME -->` and
 * `<!-- end generated: NAME -->` is written by a command from measured figures, never by
 * hand, so a figure in the docs is always one that was measured.
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** docs/data: the raw figures behind the generated sections (from dist/tools/, two levels up). */
const DATA = fileURLToPath(new URL("../../docs/data/", import.meta.url));

/** Replaces the generated section `name` of the markdown file `path` with `content`. */
export function writeSection(path: string, name: string, content: string, command: string): void {
  const text = readFileSync(path, "utf8");
  const begin = `<!-- begin generated: ${name} -->`;
  const end = `<!-- end generated: ${name} -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${path} has no section "${name}" (${begin} ... ${end}).`);
  const body = `${begin}\n<!-- written by \`${command}\`: edit the command, not this -->\n\n${content.trim()}\n\n`;
  writeFileSync(path, text.slice(0, from) + body + text.slice(to));
}

/** The median of `values` (NaN for none). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A markdown table of `header` and `rows`. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Writes `text` to `file` in docs/data, the raw figures a generated section was made from. */
export function writeData(file: string, text: string): void {
  mkdirSync(DATA, { recursive: true });
  writeFileSync(DATA + file, text);
}
