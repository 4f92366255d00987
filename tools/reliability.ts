/**
 * `npm run docs:reliability`: the tables of docs/reliability.md, from the figures of the
 * stress runs in dist/figures (each `npm run test:stress` adds one): the median of each
 * figure over the runs. The figures themselves are copied to docs/data/stress-figures.jsonl.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable, median, writeData, writeSection } from "./sections.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = join(root, "dist/figures");
const DOC = join(root, "docs/reliability.md");
const HOSTS = ["node", "deno", "bun", "workerd"] as const;
type Host = (typeof HOSTS)[number];

interface Line {
  host: string;
  scenario: string;
  values: Record<string, unknown>;
}

const runs = readdirSync(dir)
  .filter((name) => /^stress-.*\.jsonl$/.test(name))
  .map((name) => ({
    name,
    lines: readFileSync(join(dir, name), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Line),
  }));
if (runs.length === 0) throw new Error(`no stress figures in ${dir}: run \`npm run test:stress\` first.`);

/** Every number recorded as `key` of `scenario` on `host`, over the runs (a list of numbers counts as each). */
function values(host: string, scenario: string, key: string): number[] {
  return runs
    .flatMap(({ lines }) =>
      lines.filter((line) => line.host === host && line.scenario === scenario).map((line) => line.values[key]),
    )
    .flat()
    .filter((value): value is number => typeof value === "number");
}

/** The median over the runs of `key` of `scenario` on `host`, or undefined where it was not measured. */
function figure(host: string, scenario: string, key: string): number | undefined {
  const numbers = values(host, scenario, key);
  return numbers.length > 0 ? median(numbers) : undefined;
}

/** `format` of the figure of `key` of `scenario` on `host`, or undefined where it was not measured. */
function withFigure(host: string, scenario: string, key: string, format: (value: number) => string): string | undefined {
  const value = figure(host, scenario, key);
  return value === undefined ? undefined : format(value);
}

/** The figures of `keys` of one scenario, or undefined unless every one was measured. */
function figures(host: string, scenario: string, keys: string[]): number[] | undefined {
  const found = keys.map((key) => figure(host, scenario, key));
  return found.every((value) => value !== undefined) ? (found as number[]) : undefined;
}

const n = (value: number) => value.toLocaleString("en");
const ms = (value: number) => (value >= 1_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`);
const wholeMs = (value: number) => `${n(Math.round(value))} ms`;

/** A row: its label, and per host a cell made from that host's figures (undefined → `missing`). */
interface Row {
  label: string;
  cell: (host: Host) => string | undefined;
  missing?: Partial<Record<Host, string>>;
}

const rows: Row[] = [
  {
    label:
      "**Disconnect storm**: 1,000 clients (99 leave before the headers, 459 with a FIN, 442 with a RST, at a random byte of an SSE or byte stream): producers whose `finally` ran",
    cell: (h) => figures(h, "disconnect storm", ["finallies", "started"])?.map(n).join(" / "),
  },
  { label: "open streams after the storm", cell: (h) => figure(h, "disconnect storm", "openAfter")?.toString() },
  {
    label: "client gone → `finally`, median / max (how many later than 2 s)",
    cell: (h) => {
      const found = figures(h, "disconnect storm", ["medianLeaveToFinallyMs", "maxLeaveToFinallyMs", "over2s"]);
      return found && `${ms(found[0]!)} / ${ms(found[1]!)} (${n(found[2]!)})`;
    },
  },
  {
    label: "heap after GC, growth over the storm",
    cell: (h) => withFigure(h, "disconnect storm heap", "growthMiB", (growth) => `+${growth.toFixed(1)} MiB`),
    missing: { workerd: "not readable" },
  },
  {
    label: "**Stalled clients** (50, read nothing after the first chunk): bytes produced per client, then production stops",
    cell: (h) => withFigure(h, "stalled clients (writeTimeout 0)", "medianMiBPerClient", (mib) => `${mib.toFixed(1)} MiB`),
  },
  {
    label: "with `writeTimeout: 2000`: last chunk → `finally`, median",
    cell: (h) => withFigure(h, "stalled clients (writeTimeout)", "medianLastChunkToFinallyMs", wholeMs),
  },
  {
    label: "client's stall → `finally`, median (socket buffers fill first)",
    cell: (h) => withFigure(h, "stalled clients (writeTimeout)", "medianStallToFinallyMs", wholeMs),
  },
  {
    label: "connections still open 1 s after that",
    cell: (h) => {
      const ran = runs.some(({ lines }) =>
        lines.some((l) => l.host === h && l.scenario === "stalled connections after writeTimeout + 1 s"),
      );
      return ran ? `${figure(h, "stalled connections after writeTimeout + 1 s", "ESTABLISHED") ?? 0} / 50` : undefined;
    },
  },
  {
    label:
      "10 other streams meanwhile: largest gap between chunks (median of the runs' largest; the same measured at the server), rate",
    cell: (h) => {
      const found = figures(h, "flowing beside stalled clients", ["maxLargestGapMs", "medianKiBPerSecond"]);
      return found && `${ms(found[0]!)}, ${found[1]!.toFixed(1)} KiB/s`;
    },
  },
  {
    label: "**Slow readers**: 50 clients reading 1 KiB/s for 20 s (at most 1 KiB per socket read): every byte, in order",
    cell: (h) => withFigure(h, "slow readers", "medianSeconds", (seconds) => `yes, ${seconds.toFixed(1)} s`),
  },
  {
    label:
      "**Small-window readers**: 3 clients with a 4 KiB receive buffer and 1460-byte segments reading 512 KiB/s, `writeTimeout: 1000`: every byte of 2 MiB in 1 MiB chunks / from one reused 64 KiB buffer / as a file in 1 MiB slices, seconds",
    cell: (h) => {
      const scenarios = ["small-window readers", "small-window readers&reuse=1&chunk=65536", "small-window readers&file=1"];
      const seconds = scenarios.map((scenario) => {
        const all = values(h, scenario, "seconds");
        return all.length ? Math.max(...all) : undefined;
      });
      return seconds.some((value) => value === undefined) ? undefined : `yes: ${seconds.map((s) => s!.toFixed(1)).join(" / ")}`;
    },
  },
  {
    label: "**Ended on purpose**: 20 streams past `timeout`, 20 stalled past `writeTimeout`: error lines written to stderr",
    cell: (h) => figure(h, "ended on purpose", "errorLines")?.toString(),
  },
  {
    label: "**Errors mid-stream**: 1,000 producers throwing after 0–20 chunks: complete bodies",
    cell: (h) => figure(h, "errors mid-stream", "complete")?.toString(),
    missing: { workerd: "— (ends an errored body cleanly: cloudflare/workerd#6818)" },
  },
  {
    label: "how the clients saw the error",
    cell: (h) => {
      const [truncated, dropped] = figures(h, "errors mid-stream", ["truncated", "droppedBeforeHeaders"]) ?? [];
      if (truncated === undefined || dropped === undefined) return undefined;
      return dropped > 0 ? `${n(truncated)} truncated, ${n(dropped)} reset before the status line` : `${n(truncated)} truncated`;
    },
    missing: { workerd: "—" },
  },
  {
    label: "the same with `onError`: chunks before the throw, then the marker",
    cell: (h) => figures(h, "errors mid-stream (onError)", ["marked", "streams"])?.map(n).join(" / "),
  },
  {
    label: "**Shutdown**: `close()` with 1,000 open SSE streams (`shutdownGrace` 3 s)",
    cell: (h) => withFigure(h, "shutdown", "closeMs", ms),
    missing: { workerd: "no `close()`" },
  },
  {
    label: "`finally` ran / clients cut off (never a clean end) / process exits by itself / ShutdownError lines on stderr",
    cell: (h) => {
      const found = figures(h, "shutdown", ["finallies", "cutOff", "exitedByItself", "shutdownErrorLines"]);
      return found && `${n(found[0]!)} / ${n(found[1]!)} / ${found[2] === 1 ? "yes" : "no"} / ${found[3]}`;
    },
    missing: { workerd: "—" },
  },
];

const table = markdownTable(
  ["", "Node", "Deno", "Bun", "workerd"],
  rows.map((row) => [row.label, ...HOSTS.map((host) => row.cell(host) ?? row.missing?.[host] ?? "not measured")]),
);

const many = (key: string) => figure("node", "10,000 SSE streams", key);
const manyText =
  many("streams") === undefined
    ? "**Many streams** (Node): not measured in these runs."
    : `**Many streams** (Node): ${n(many("streams")!)} concurrent SSE streams held for ${many("heldSeconds")} s with \`keepAlive: 5000\`: ` +
      `every client got its keep-alives (at least ${many("keepAlivesMin")}, median ${many("keepAlivesMedian")}); RSS went from ` +
      `${many("rssBeforeMiB")!.toFixed(0)} MiB to ${many("rssAfter30sMiB")!.toFixed(0)} MiB, **${many("rssKiBPerStream")!.toFixed(0)} KiB of RSS per open ` +
      `stream** (${many("heapKiBPerStream")!.toFixed(0)} KiB of it heap).`;

writeSection(
  DOC,
  "stress",
  `Medians over ${runs.length} run${runs.length === 1 ? "" : "s"}.\n\n${table}\n\n${manyText}`,
  "npm run docs:reliability",
);
writeData(
  "stress-figures.jsonl",
  runs.flatMap(({ name, lines }) => lines.map((line) => JSON.stringify({ run: name, ...line }))).join("\n") + "\n",
);
console.log(`docs/reliability.md: ${rows.length} rows from ${runs.length} stress runs`);
