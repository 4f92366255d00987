/**
 * The demo page on every host it ships for: Node, Deno and Bun with their adapters, and
 * the Worker under wrangler dev (workerd, Durable Objects, static assets). On each, in
 * Chromium, every live panel streams: the feed resumes after the server ends it, the
 * report, download (bytes checked), log tail and room arrive, the failure shows as one,
 * and an answer killed mid-way resumes whole. The page names its host, and on the Worker
 * says what differs there.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Runtime } from "../../examples/app.ts";
import { FAILED_LINE } from "../../examples/browser/failed-line.ts";
import { ANSWER_WORDS } from "../../examples/routes/answers.ts";
import { LINES_BEFORE_FAILURE } from "../../examples/routes/fail.ts";
import { LOG_ENTRIES } from "../../examples/routes/logs.ts";
import { launchChromium } from "./chromium.ts";
import { type DemoHost, startHost } from "./demo-hosts.ts";
import {
  ANSWER_TIMEOUT,
  expectedSha,
  feedIds,
  lastId,
  openPage,
  READING,
  roomMessages,
  sayInRoom,
  settledState,
  stateOf,
  textOf,
  wordsReceived,
} from "./panels.ts";

/** The hosts, in the order they start: one at a time, so their start-ups do not compete. */
const RUNTIMES: Runtime[] = ["Workers", "Deno", "Bun", "Node"];
/** What the page's header says serves it, per host. */
const SERVED_BY: Record<Runtime, RegExp> = {
  Node: /this Node server \(serve from sluice\/node\)/,
  Deno: /this Deno server \(serve from sluice\/deno\)/,
  Bun: /this Bun server \(serve from sluice\/bun\)/,
  Workers: /this Cloudflare Worker \(worker\(\) from sluice\/workers, in workerd\)/,
};

let browser: Browser;
const hosts = new Map<Runtime, DemoHost>();

beforeAll(async () => {
  browser = await launchChromium();
  for (const runtime of RUNTIMES) hosts.set(runtime, await startHost(runtime));
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([...hosts.values()].map((host) => host.stop()));
}, 30_000);

describe.each(RUNTIMES)("the demo on %s", (runtime) => {
  test(`in Chromium every live panel streams, an answer killed mid-way resumes whole, and the page says it is served by ${runtime}`, async () => {
    const host = hosts.get(runtime)!;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    try {
      await openPage(page, new URL("?endAfter=6", host.url).href);
      expect(await page.getAttribute("html", "data-runtime")).toBe(runtime);
      expect(await textOf(page, "#served-by")).toMatch(SERVED_BY[runtime]);
      expect(await differences(page)).toEqual(runtime === "Workers" ? ["download", "failure", "answer", "room"] : []);

      for (const button of ["#report-start", "#download-start", "#logs-start", "#failure-start", "#answer-start"]) {
        await page.click(button);
      }
      await sayInRoom(page, `hello from ${runtime}`);
      await expect.poll(() => wordsReceived(page), { timeout: 15_000 }).toBeGreaterThanOrEqual(20);
      await page.click("#answer-kill");

      expect(await settledState(page, "report", ["running"], 20_000)).toBe("done");
      expect(await settledState(page, "download", ["running"], 20_000)).toBe("done");
      expect(await textOf(page, "#download-sha")).toBe(expectedSha());
      expect(await settledState(page, "logs", ["running"], 20_000)).toBe("done");
      expect(await page.$$eval("#logs-rows tr", (rows) => rows.length)).toBe(LOG_ENTRIES);
      await expect.poll(() => roomMessages(page), { timeout: 10_000 }).toEqual([`hello from ${runtime}`]);

      // The failure shows as one: a cut-off read, or on a Worker (which ends a failed body cleanly) the marker line.
      expect(await settledState(page, "failure", ["idle", "running"], 20_000)).toBe("error");
      expect(await textOf(page, "#failure-lines")).not.toContain(FAILED_LINE);
      expect(await textOf(page, "#failure [data-role=status]")).toMatch(
        runtime === "Workers"
          ? new RegExp(`^The server marked the response as failed after ${LINES_BEFORE_FAILURE} lines: a Worker ends`)
          : new RegExp(`^The response was cut off after ${LINES_BEFORE_FAILURE} lines \\(TypeError: .+\\)\\.$`),
      );

      expect(await settledState(page, "answer", READING, ANSWER_TIMEOUT)).toBe("done");
      expect(await textOf(page, "#answer-received")).toBe(`${ANSWER_WORDS} of ${ANSWER_WORDS}`);
      expect(await textOf(page, "#answer-check")).toBe("0 repeated, 0 missing");
      expect(await textOf(page, "#answer-log")).toMatch(
        /^connection 2: GET \/answers\/[0-9a-f-]{36}, Last-Event-ID: \S+ \(word \d+\)$/m,
      );

      // The feed's server ends each connection after 6 tokens; connectEvents resumed after each, none lost or repeated.
      await expect.poll(async () => lastId(await feedIds(page)), { timeout: 15_000 }).toBeGreaterThanOrEqual(13);
      expect(await feedIds(page)).toMatch(/^1–\d+$/);
      expect(await textOf(page, "#feed-log")).toContain("the server resumed after #12");
      expect(await stateOf(page, "feed")).not.toBe("error");
      expect(pageErrors, "uncaught errors in the page").toEqual([]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- what the ${runtime} host printed:\n${host.output()}`, { cause: error });
    } finally {
      await page.close();
    }
  }, 120_000);
});

/** The panels whose "differs on this runtime" note the page shows. */
function differences(page: Page): Promise<string[]> {
  return page.$$eval("[data-differs]", (notes) => notes.map((note) => (note as HTMLElement).dataset.differs ?? ""));
}
