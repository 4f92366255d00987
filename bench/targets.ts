/**
 * The targets the bench checks against each run, from the issues that asked for them:
 * #5 for the v1 workloads, the Topics issue for fan-out, #15 for the Redis store. Each
 * names a row (by the start of its label) and wants, for sluice, a least ratio to a
 * variant, a latency within a margin of one, a least ratio to another of sluice's own
 * rows; or, for a variant, a least share of sluice's figure, or at most some ms.
 */
import { markdownTable } from "../tools/sections.ts";
import { REDIS_LABEL } from "./processes.ts";
import { format, ratio, type Result, type Row } from "./tables.ts";

type Target = {
  runtime: string;
  workload: string;
  what: string /** The table's title ("" the v1 one); default: the first with the row. */;
  table?: string;
} & (
  | { variant: string; least: number }
  /** sluice's figure itself. */
  | { itself: true; least: number }
  | { variant: string; withinMs: number }
  /** sluice's figure on `workload` divided by its figure on `versus`. */
  | { versus: string; least: number }
  /** `variant`'s figure divided by sluice's (the first column's): a higher figure is better. */
  | { variant: string; share: number }
  /** `variant`'s figure, in ms, at most `atMostMs`. */
  | { variant: string; atMostMs: number }
);

/** The fan-out targets at one number of readers, against better-sse and the hand-written loop. */
const fanOut = (readers: string): Target[] => [
  ...[
    ["100 events/turn", "bursts"],
    ["1 event/turn", "one event per turn"],
  ].flatMap(([pattern, name]) => [
    {
      runtime: "node",
      workload: `${readers} readers, ${pattern}`,
      variant: "better-sse",
      least: 2,
      what: `Node fan-out to ${readers} readers, ${name}: deliveries/s vs better-sse`,
    },
    {
      runtime: "node",
      workload: `${readers} readers, ${pattern}`,
      variant: "node:http loop",
      least: 1,
      what: `Node fan-out to ${readers} readers, ${name}: deliveries/s vs a node:http loop`,
    },
  ]),
  ...["RSS", "JS heap"].map((memory) => ({
    runtime: "node",
    workload: `${readers} readers: ${memory}`,
    variant: "better-sse",
    least: 1,
    what: `Node fan-out to ${readers} readers: ${memory} per reader at most better-sse's`,
  })),
];

/** Issue #16: the compression table's columns are compress (flushed), whole-stream gzip, none. */
const COMPRESSION: Target[] = [
  {
    runtime: "node",
    workload: "sse: share of whole-stream gzip's saving",
    least: 0.6,
    itself: true,
    what: "Node compressed SSE: at least 60 % of whole-stream gzip's byte saving",
  },
  {
    runtime: "node",
    workload: "latency p99",
    table: "compression",
    variant: "none",
    withinMs: 1,
    what: "Node p99 latency compressed vs uncompressed",
  },
  {
    runtime: "node",
    workload: "sse (events/s",
    table: "compression",
    variant: "none",
    least: 0.5,
    what: "Node compressed SSE events/s, at least half of uncompressed",
  },
];

const TARGETS: Target[] = [
  ...COMPRESSION,
  { runtime: "node", workload: "sse", variant: "node-http", least: 2, what: "Node SSE vs a node:http loop" },
  { runtime: "node", workload: "sse", variant: "hono-streamSSE", least: 4, what: "Node SSE vs Hono streamSSE" },
  { runtime: "node", workload: "tiny", variant: "node-http", least: 2, what: "Node tiny chunks vs node:http" },
  { runtime: "node", workload: "bulk", variant: "node-http", least: 0.9, what: "Node bulk vs node:http" },
  { runtime: "deno", workload: "sse", variant: "pull", least: 2, what: "Deno SSE vs a naive pull" },
  { runtime: "bun", workload: "sse", variant: "pull", least: 1, what: "Bun SSE vs a naive pull" },
  { runtime: "bun", workload: "sse", variant: "hono-streamSSE", least: 2, what: "Bun SSE vs Hono streamSSE" },
  { runtime: "node", workload: "latency p99", variant: "hono-node-pull", withinMs: 1, what: "Node p99 latency vs a naive pull" },
  { runtime: "deno", workload: "latency p99", variant: "pull", withinMs: 1, what: "Deno p99 latency vs a naive pull" },
  { runtime: "bun", workload: "latency p99", variant: "pull", withinMs: 1, what: "Bun p99 latency vs a naive pull" },
  {
    runtime: "node",
    workload: "many streams: RSS",
    variant: "hono-node-pull",
    least: 2,
    what: "Node RSS per idle stream vs @hono/node-server (half)",
  },
  ...fanOut("1,000"),
  ...fanOut("10,000"),
  {
    runtime: "node",
    workload: "replay",
    versus: "v1 sse",
    least: 1,
    what: "Node replay of 10,000 retained events vs the v1 sse workload's events/s",
  },
  // #15: "≥ 50 % of the memory store's fan-out rate", for both publisher patterns (the
  // issue names none, and the memory store's rate is each pattern's), at each number of readers.
  ...["1,000", "10,000"].flatMap((readers) =>
    [
      ["100 events/turn", "bursts"],
      ["1 event/turn", "one event per turn"],
    ].map(([pattern, name]) => ({
      runtime: "node",
      workload: `${readers} readers, ${pattern}`,
      variant: REDIS_LABEL,
      share: 0.5,
      what: `Node fan-out to ${readers} readers, ${name}: the Redis store's deliveries/s vs the memory store's`,
    })),
  ),
  // #15: "p99 ≤ 5 ms on loopback", 2 instances with 1,000 readers each at 1,000 events/s.
  ...["Redis: instance published to", "Redis: other instance"].map((variant) => ({
    runtime: "node",
    workload: "publish→delivery p99",
    variant,
    atMostMs: 5,
    what: `Topic on Redis, 2 instances: p99 publish→delivery, ${variant.slice(7)}`,
  })),
  // The same bound on what the Redis store itself adds (no HTTP, no readers): the rest of
  // an event's way is its writes to the readers' sockets, bound by the machine.
  ...["publishing store", "other store"].map((store) => ({
    runtime: "node",
    workload: "publish→delivery p99",
    variant: `Redis store alone, no HTTP: ${store}`,
    atMostMs: 5,
    what: `The Redis store alone (no HTTP, no readers): p99 publish→follower, ${store}`,
  })),
  // "Close to" read as: at most 1.25x an idle stream's (idle / topic reader >= 0.8).
  ...["RSS", "JS heap"].map((memory) => ({
    runtime: "node",
    workload: `idle v1 SSE stream: ${memory}`,
    versus: `10,000 readers: ${memory}`,
    least: 0.8,
    what: `Node ${memory} per topic reader (10,000, 1,000 retained) close to an idle v1 SSE stream's (idle / reader)`,
  })),
];

/** The row of `runtime` whose label starts with `workload`, and the variants of its table. */
function find(
  results: Result[],
  runtime: string,
  workload: string,
  title?: string,
): { row: Row; variants: string[] } | undefined {
  for (const result of results.filter((r) => r.runtime === runtime && (title === undefined || r.title === title))) {
    const row = result.rows.find((r) => r.label.startsWith(workload));
    if (row) return { row, variants: result.variants };
  }
  return undefined;
}

/** The targets table of `results` (those the run measured). */
export function targets(results: Result[]): string {
  const rows: string[][] = [];
  for (const target of TARGETS) {
    const found = find(results, target.runtime, target.workload, target.table);
    if (!found) continue;
    const { row, variants } = found;
    if ("itself" in target) {
      const measured = row.values[0]!;
      rows.push([target.what, `>= ${target.least}`, measured.toFixed(2), measured >= target.least ? "yes" : "no"]);
      continue;
    }
    if ("versus" in target) {
      const versus = find(results, target.runtime, target.versus);
      if (!versus) continue;
      const measured = row.values[0]! / versus.row.values[0]!;
      rows.push([target.what, `>= ${target.least}x`, `${measured.toFixed(2)}x`, measured >= target.least ? "yes" : "no"]);
      continue;
    }
    const i = variants.indexOf(target.variant);
    if (i < ("atMostMs" in target ? 0 : 1)) continue; // a limit in ms is on any column; the rest compare with sluice's
    if ("share" in target || "atMostMs" in target) {
      const value = row.values[i]!;
      const [wanted, measured, met] =
        "share" in target
          ? [`>= ${target.share}x`, `${(value / row.values[0]!).toFixed(2)}x`, value / row.values[0]! >= target.share]
          : [`<= ${target.atMostMs} ms`, `${format(value)} ms`, value <= target.atMostMs];
      rows.push([target.what, wanted, measured, met ? "yes" : "no"]);
    } else if ("withinMs" in target) {
      const above = row.values[0]! - row.values[i]!;
      rows.push([
        target.what,
        `within ${target.withinMs} ms`,
        `${format(row.values[0]!)} vs ${format(row.values[i]!)} ms`,
        above <= target.withinMs ? "yes" : "no",
      ]);
    } else {
      const measured = ratio(row, i);
      rows.push([target.what, `>= ${target.least}x`, `${measured.toFixed(2)}x`, measured >= target.least ? "yes" : "no"]);
    }
  }
  return markdownTable(["target", "wanted", "measured", "met"], rows);
}
