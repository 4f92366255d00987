/**
 * The demo page in headless Chromium, used as a person would: its panels stream, resume,
 * verify and fail the way the README says.
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ANSWER_WORDS, answerWord } from "../../examples/routes/answers.ts";
import { FILE_SIZE } from "../../examples/routes/download.ts";
import { LINES_BEFORE_FAILURE } from "../../examples/routes/fail.ts";
import { LOG_ENTRIES } from "../../examples/routes/logs.ts";
import { SECTIONS } from "../../examples/routes/report.ts";
import { tokenText } from "../../examples/routes/sse.ts";
import { launchChromium } from "./chromium.ts";
import { startDemo, type RunningDemo } from "./demo-server.ts";
import {
  ANSWER_TIMEOUT,
  expectedSha,
  feedIds,
  lastId,
  openPage,
  pauseDownloadAt,
  READING,
  roomMessages,
  sayInRoom,
  settledState,
  stateOf,
  textOf,
  wordsReceived,
} from "./panels.ts";

/**
 * Where the screenshot goes: beside the other test output, never over the tracked
 * docs/demo.png unless asked (`UPDATE_SCREENSHOT=1 npm run test:browser`).
 */
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOT === "1"
    ? fileURLToPath(new URL("../../docs/demo.png", import.meta.url))
    : join(tmpdir(), `sluice-demo-${process.pid}.png`);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let browser: Browser;
let demo: RunningDemo;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  demo = await startDemo();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
});
afterEach(async () => {
  await page?.close();
  await demo?.close();
  expect(pageErrors, "uncaught errors in the page").toEqual([]);
});

/** Opens the page and waits until its modules run (generously: the machine may be busy). */
async function open(query = ""): Promise<void> {
  await openPage(page, new URL(query, demo.url).href);
}

describe("live events (connectEvents)", () => {
  test("tokens arrive in order, with their ids, text and tick events", async () => {
    await open("?endAfter=0");
    await expect.poll(async () => lastId(await feedIds(page)), { timeout: 8_000 }).toBeGreaterThanOrEqual(10);
    const { ids, text, clock } = await page.evaluate(() => ({
      ids: document.getElementById("feed-ids")!.textContent,
      text: document.getElementById("feed-text")!.textContent,
      clock: document.getElementById("feed-clock")!.textContent,
    }));
    const last = lastId(ids ?? "");
    expect(ids).toBe(`1–${last}`);
    expect(text).toBe(range(1, last).map(tokenText).join(""));
    expect(clock).toMatch(/^tick: server time \d\d:\d\d:\d\d, \d*[05] tokens sent$/);
    expect(demo.lastEventIdHeaders()).toEqual([null]);
  });

  test("after the server ends the stream, connectEvents reconnects with Last-Event-ID: no id lost or repeated", async () => {
    await open("?endAfter=4");
    await expect.poll(async () => lastId(await feedIds(page)), { timeout: 10_000 }).toBeGreaterThanOrEqual(13);
    const ids = await feedIds(page);
    expect(ids).toBe(`1–${lastId(ids)}`);
    expect(demo.lastEventIdHeaders().slice(0, 4)).toEqual([null, "4", "8", "12"]);
    const log = await textOf(page, "#feed-log");
    expect(log).toContain(
      "stream ended by the server\nreconnecting with Last-Event-ID 4\nconnection 2: the server resumed after #4",
    );
    expect(log).toContain("connection 4: the server resumed after #12");
  });

  test("killing the connection mid-stream: connectEvents reconnects by itself with Last-Event-ID; no id lost or repeated", async () => {
    await open("?endAfter=0");
    await expect.poll(async () => lastId(await feedIds(page)), { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    await page.click("#feed-kill");
    await expect.poll(() => demo.lastEventIdHeaders().length, { timeout: 10_000 }).toBe(2);
    const resumedAfter = Number(demo.lastEventIdHeaders()[1]);
    expect(resumedAfter).toBeGreaterThanOrEqual(5);
    await expect.poll(async () => lastId(await feedIds(page)), { timeout: 10_000 }).toBeGreaterThanOrEqual(resumedAfter + 5);
    const ids = await feedIds(page);
    expect(ids).toBe(`1–${lastId(ids)}`);
    expect(await textOf(page, "#feed-log")).toContain(
      "connection lost (AbortError: killed by the page's button)\n" +
        `reconnecting with Last-Event-ID ${resumedAfter}\n` +
        `connection 2: the server resumed after #${resumedAfter}`,
    );
    expect(demo.lastEventIdHeaders()).toEqual([null, String(resumedAfter)]);
  });
});

test("the HTML report shows its first section before the server has sent its last", async () => {
  await open();
  await page.click("#report-start");
  const report = page.frameLocator("#report-frame");
  await report.locator("#section-1").waitFor({ timeout: 5_000 });
  expect(demo.reportSectionsSent()).not.toContain(SECTIONS.length);
  expect(await report.locator("#end").count()).toBe(0);

  await report.locator("#end").waitFor({ timeout: 5_000 });
  expect(demo.reportSectionsSent()).toEqual(range(1, SECTIONS.length));
  expect(await report.locator("section h2").allTextContents()).toEqual(SECTIONS.map(({ title }, i) => `${i + 1}. ${title}`));
  expect(await settledState(page, "report", ["running"])).toBe("done");
});

describe("download", () => {
  test("the progress bar moves through the download to 100 % and the bytes' SHA-256 matches the file", async () => {
    await open();
    await page.click("#download-start");
    // Part-way first: the bar follows the chunks as readChunks() yields them.
    await page.waitForFunction(
      () => {
        const value = (document.getElementById("download-progress") as HTMLProgressElement).value;
        return value > 0 && value < 100;
      },
      null,
      { timeout: 5_000 },
    );
    expect(await settledState(page, "download", ["running"])).toBe("done");
    expect(await page.getAttribute("#download-progress", "value")).toBe("100");
    expect(await textOf(page, "#download-received")).toBe("100 % (4.0 MiB of 4.0 MiB)");
    expect(await textOf(page, "#download-sha")).toBe(expectedSha());
  });

  test("a paused download resumes with a Range request (206) and gives the same file", async () => {
    await open();
    await page.click("#download-start");
    await pauseDownloadAt(page, 20);
    expect(await settledState(page, "download", ["running"])).toBe("paused");
    const pausedAt = Number(await page.getAttribute("#download-progress", "value"));
    expect(pausedAt).toBeGreaterThanOrEqual(20);
    expect(pausedAt).toBeLessThan(100);

    await page.click("#download-resume");
    expect(await settledState(page, "download", ["paused", "running"])).toBe("done");
    const resumed = /^resumed at byte (\d+): 206 Partial Content, bytes (\d+)-(\d+)\/(\d+)$/.exec(
      await textOf(page, "#download-resumed"),
    );
    expect(resumed, "the resume's status line").not.toBeNull();
    const [, from, start, end, size] = resumed!.map(Number);
    expect(from).toBeGreaterThan(0);
    expect([start, end, size]).toEqual([from, FILE_SIZE - 1, FILE_SIZE]);
    expect(await textOf(page, "#download-sha")).toBe(expectedSha());
  });
});

test("the NDJSON log tail shows each entry as it arrives, all of them in order", async () => {
  await open();
  await page.click("#logs-start");
  // Rows are on screen while the response is still streaming.
  await page.waitForFunction(
    () => {
      const rows = document.getElementById("logs-rows")!.childElementCount;
      return rows > 0 && document.getElementById("logs")!.dataset.state === "running";
    },
    null,
    { timeout: 5_000 },
  );
  expect(await settledState(page, "logs", ["running"])).toBe("done");
  const seqs = await page.$$eval("#logs-rows tr", (rows) => rows.map((row) => Number((row as HTMLElement).dataset.seq)));
  expect(seqs).toEqual(range(1, LOG_ENTRIES));
});

test("when the producer throws, the page shows the lines sent so far and an error state, not a clean end", async () => {
  await open();
  await page.click("#failure-start");
  expect(await settledState(page, "failure", ["idle", "running"])).toBe("error");
  expect(await textOf(page, "#failure-lines")).toBe(
    range(1, LINES_BEFORE_FAILURE)
      .map((n) => `step ${n}: working…`)
      .join("\n"),
  );
  expect(await textOf(page, "#failure [data-role=status]")).toMatch(
    new RegExp(`^The response was cut off after ${LINES_BEFORE_FAILURE} lines \\(TypeError: .+\\)\\.$`),
  );
});

describe("resumable answer (topics)", () => {
  /** Starts an answer and waits until the page has `words` of its words. */
  async function startAnswer(words: number): Promise<void> {
    await open();
    await page.click("#answer-start");
    await expect.poll(() => wordsReceived(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(words);
  }

  /** Waits for the end, and checks that the page has every word once, in order, by their numbers and by their text. */
  async function expectWholeAnswer(): Promise<void> {
    expect(await settledState(page, "answer", READING, ANSWER_TIMEOUT)).toBe("done");
    expect(await textOf(page, "#answer-received")).toBe(`${ANSWER_WORDS} of ${ANSWER_WORDS}`);
    expect(await textOf(page, "#answer-check")).toBe("0 repeated, 0 missing");
    expect(await textOf(page, "#answer-text")).toBe(range(1, ANSWER_WORDS).map(answerWord).join(" "));
    expect(await page.isEnabled("#answer-start")).toBe(true);
    expect(await page.isDisabled("#answer-kill")).toBe(true);
  }

  /**
   * The log's line for the request of connection `n`, a GET of `path`: the Last-Event-ID
   * connectEvents sent, and the word the page says that id is.
   */
  function resumeLine(log: string, n: number, path: string): { id: string; word: number } | undefined {
    const line = new RegExp(`^connection ${n}: GET ${path}, Last-Event-ID: (\\S+) \\(word (\\d+)\\)$`, "m").exec(log);
    return line === null ? undefined : { id: line[1]!, word: Number(line[2]) };
  }

  /** Where the page's log says the POST's response put the answer. */
  function answerPath(log: string): string {
    const created = /^201 Created, Location: (\/answers\/[0-9a-f-]{36})$/m.exec(log);
    expect(created, "the log's line for the POST's response").not.toBeNull();
    return created![1]!;
  }

  test("killing the connection mid-answer, twice: connectEvents resumes by itself with a GET and Last-Event-ID, every word once", async () => {
    await startAnswer(20);
    await page.click("#answer-kill");
    const first = await wordsReceived(page);
    // The kill button is enabled again once the new connection streams; it streams more words.
    await expect.poll(() => wordsReceived(page), { timeout: 15_000 }).toBeGreaterThanOrEqual(first + 30);
    await page.click("#answer-kill");
    await expectWholeAnswer();

    const log = await textOf(page, "#answer-log");
    expect(log.split("\n")[0]).toBe("connection 1: POST /answers, from the first word");
    const path = answerPath(log);
    const sent: string[] = [];
    for (const connection of [1, 2]) {
      const killed = new RegExp(
        `^connection ${connection} lost \\(AbortError: killed by the page's button\\) after word (\\d+): connectEvents resumes$`,
        "m",
      ).exec(log);
      expect(killed, `the log's line for kill ${connection}`).not.toBeNull();
      const resumed = resumeLine(log, connection + 1, path);
      expect(resumed, `the log's line for connection ${connection + 1}`).toMatchObject({ word: Number(killed![1]) });
      sent.push(resumed!.id);
    }
    expect(new Set(sent).size, "each resume after a different id").toBe(2);
    // The server saw the POST once, then GETs carrying those ids in the Last-Event-ID header.
    expect(demo.answerRequests()).toEqual([
      { method: "POST", lastEventIdHeader: null },
      ...sent.map((id) => ({ method: "GET", lastEventIdHeader: id })),
    ]);
  }, 90_000);

  test("a reload mid-answer resumes with lastEventId after the last word the page had: every word once", async () => {
    await startAnswer(20);
    await page.reload();
    await expectWholeAnswer();
    const log = await textOf(page, "#answer-log");
    const reloaded = /^page reloaded: resuming after word (\d+)$/m.exec(log);
    expect(reloaded, "the log's line for the reload").not.toBeNull();
    const word = Number(reloaded![1]);
    expect(word).toBeGreaterThanOrEqual(20);
    expect(word).toBeLessThan(ANSWER_WORDS);
    // The reloaded page resumed the same answer after a word it had, not from the start.
    const resumed = resumeLine(log, 2, "/answers/[0-9a-f-]{36}");
    expect(resumed, "the log's line for connection 2").toMatchObject({ word });
    expect(demo.answerRequests()).toEqual([
      { method: "POST", lastEventIdHeader: null },
      { method: "GET", lastEventIdHeader: resumed!.id },
    ]);
  }, 60_000);

  test("a reload after the end shows the whole answer without reconnecting", async () => {
    await startAnswer(1);
    await expectWholeAnswer();
    await page.reload();
    await expect.poll(() => stateOf(page, "answer"), { timeout: 5_000 }).toBe("done");
    expect(await textOf(page, "#answer-received")).toBe(`${ANSWER_WORDS} of ${ANSWER_WORDS}`);
    expect(await textOf(page, "#answer-log")).toBe("page reloaded: the answer was complete before");
    expect(demo.answerRequests()).toEqual([{ method: "POST", lastEventIdHeader: null }]);
  }, 60_000);
});

describe("room (topics)", () => {
  test("two tabs see each other's messages, in the same order; a tab that joins later is shown them", async () => {
    const context = await browser.newContext();
    const tab = async () => {
      const opened = await context.newPage();
      opened.on("pageerror", (error) => pageErrors.push(error.message));
      await opened.goto(demo.url.href);
      await expect.poll(() => stateOf(opened, "room"), { timeout: 10_000 }).toBe("open");
      return opened;
    };
    try {
      const [first, second] = [await tab(), await tab()];
      await sayInRoom(first, "hello from the first tab");
      for (const each of [first, second]) {
        await expect.poll(() => roomMessages(each), { timeout: 10_000 }).toEqual(["hello from the first tab"]);
      }
      await sayInRoom(second, "and hello from the second");
      for (const each of [first, second]) {
        await expect
          .poll(() => roomMessages(each), { timeout: 10_000 })
          .toEqual(["hello from the first tab", "and hello from the second"]);
      }
      // What is not a message is refused with a 400 that the tab shows; nobody sees it.
      await second.fill("#room-input", "   ");
      await second.click("#room-send");
      await expect
        .poll(() => textOf(second, "#room [data-role=status]"), { timeout: 10_000 })
        .toBe("Bad Request: a message needs some text: send it as the request body.");

      await first.close();
      const later = await tab();
      await expect
        .poll(() => roomMessages(later), { timeout: 10_000 })
        .toEqual(["hello from the first tab", "and hello from the second"]);
      expect(await roomMessages(second)).toEqual(["hello from the first tab", "and hello from the second"]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

test("every panel works at once on the default page (screenshot: UPDATE_SCREENSHOT=1 writes docs/demo.png)", async () => {
  await open();
  for (const button of ["#report-start", "#download-start", "#logs-start", "#failure-start", "#answer-start"]) {
    await page.click(button);
  }
  await sayInRoom(page, "every panel at once");
  await pauseDownloadAt(page, 30);
  expect(await settledState(page, "download", ["running"])).toBe("paused");
  await page.click("#download-resume");
  expect(await settledState(page, "report", ["running"])).toBe("done");
  expect(await settledState(page, "download", ["paused", "running"])).toBe("done");
  expect(await settledState(page, "logs", ["running"])).toBe("done");
  expect(await settledState(page, "failure", ["running"])).toBe("error");
  expect(await settledState(page, "answer", READING, ANSWER_TIMEOUT)).toBe("done");
  expect(await textOf(page, "#answer-check")).toBe("0 repeated, 0 missing");
  await expect.poll(() => roomMessages(page), { timeout: 10_000 }).toEqual(["every panel at once"]);
  // The default feed ends each connection after 20 tokens: wait to show one resume.
  await expect.poll(() => textOf(page, "#feed-log"), { timeout: 10_000 }).toContain("the server resumed after #20");
  await expect.poll(() => stateOf(page, "feed"), { timeout: 2_000 }).toBe("open");
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
}, 60_000);
