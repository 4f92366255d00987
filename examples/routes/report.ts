/**
 * GET /report: an HTML report whose sections are "computed" one after another and sent
 * as each is ready, so the browser renders it progressively.
 * @module
 */
import { htmlResponse } from "../../src/index.ts";
import { sleep } from "../sleep.ts";
import type { Tracer } from "../trace.ts";

/** ms each section takes to compute. */
const SECTION_MS = 400;

interface Section {
  title: string;
  unit: string;
  rows: [label: string, value: number][];
}

/** The report's sections, in the order they are sent. */
export const SECTIONS: readonly Section[] = [
  {
    title: "Requests per region",
    unit: "k",
    rows: [
      ["Europe", 412],
      ["Americas", 388],
      ["Asia", 275],
    ],
  },
  {
    title: "Median latency",
    unit: "ms",
    rows: [
      ["/sse", 3],
      ["/report", 9],
      ["/download", 14],
    ],
  },
  {
    title: "Bytes sent",
    unit: "MiB",
    rows: [
      ["events", 310],
      ["files", 940],
      ["ndjson", 75],
    ],
  },
  {
    title: "Reconnects resumed",
    unit: "%",
    rows: [
      ["Chromium", 100],
      ["Firefox", 100],
      ["Node", 100],
    ],
  },
  {
    title: "Bodies cut off",
    unit: "",
    rows: [
      ["on error", 12],
      ["faked clean", 0],
      ["leaked text", 0],
    ],
  },
];

const HEAD = `<!doctype html>
<meta charset="utf-8">
<title>sluice report</title>
<style>
  body { font: 12px/1.4 system-ui, sans-serif; margin: 10px; color: #1d2733;
         display: grid; grid-template-columns: repeat(3, 1fr); gap: 4px 12px; align-content: start; }
  h1, #end { grid-column: 1 / -1; margin: 0; }
  h1 { font-size: 16px; }
  h2 { font-size: 13px; margin: 6px 0 2px; }
  table { border-collapse: collapse; }
  td { padding: 1px 6px 1px 0; white-space: nowrap; }
  .bar { background: #2f7de1; height: 10px; border-radius: 2px; display: inline-block; vertical-align: middle; }
  #end { color: #1a7f37; font-weight: 600; margin-top: 8px; }
</style>
<h1>Weekly report: each section is sent as soon as it is computed</h1>
`;

/** Answers GET /report; `trace` hears each section as it is yielded. */
export function reportRoute(request: Request, trace: Tracer): Response {
  return htmlResponse(
    async function* (signal) {
      yield HEAD;
      for (const [index, section] of SECTIONS.entries()) {
        await sleep(SECTION_MS, signal);
        trace({ route: "report", section: index + 1, of: SECTIONS.length });
        yield renderSection(index + 1, section);
      }
      yield `<p id="end">Report complete: ${SECTIONS.length} sections.</p>\n`;
    },
    { signal: request.signal },
  );
}

function renderSection(number: number, { title, unit, rows }: Section): string {
  const max = Math.max(...rows.map(([, value]) => value));
  const cells = rows
    .map(([label, value]) => {
      const width = Math.round((value / (max || 1)) * 48);
      return `<tr><td>${label}</td><td>${value}${unit ? " " + unit : ""}</td><td><span class="bar" style="width:${width}px"></span></td></tr>`;
    })
    .join("");
  return `<section id="section-${number}"><h2>${number}. ${title}</h2><table>${cells}</table></section>\n`;
}
