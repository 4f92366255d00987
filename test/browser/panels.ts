/**
 * Reading the demo page the way a person looks at it: a panel's state badge, its text.
 * @module
 */
import { createHash } from "node:crypto";
import type { Page } from "playwright-core";
import { demoBytes } from "../../examples/routes/download.ts";

/** A panel's `data-state` (idle, open, running, paused, done, error…). */
export function stateOf(page: Page, panel: string): Promise<string | null> {
  return page.getAttribute(`#${panel}`, "data-state");
}

/**
 * Waits until a panel leaves the states in `busy`, and returns the state it reached, so
 * a test can say which one it expected rather than time out on the one it hoped for.
 */
export async function settledState(page: Page, panel: string, busy: string[], timeout = 10_000): Promise<string | null> {
  await page.waitForFunction(
    ({ panel, busy }) => !busy.includes(document.getElementById(panel)?.dataset.state ?? ""),
    { panel, busy },
    { timeout },
  );
  return stateOf(page, panel);
}

/** The text of `selector`, trimmed. */
export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? "").trim();
}

/**
 * The ids the feed panel shows, as runs: `"1–13"` means 1, 2, …, 13 in that order; a
 * gap, a repeat or a reordering shows as more than one run.
 */
export function feedIds(page: Page): Promise<string> {
  return textOf(page, "#feed-ids");
}

/** The last id in a runs text like `"1–4, 6–9"`; 0 for `"none"`. */
export function lastId(runs: string): number {
  return Number(/(\d+)$/.exec(runs)?.[1] ?? 0);
}

/** How many words the answer panel has received: `"57 of 300"` is 57. */
export async function wordsReceived(page: Page): Promise<number> {
  return Number(/^\d+/.exec(await textOf(page, "#answer-received"))?.[0] ?? 0);
}

/** The texts of the messages a tab's room panel shows, in order. */
export function roomMessages(page: Page): Promise<string[]> {
  return page.$$eval("#room-messages .text", (texts) => texts.map((text) => text.textContent ?? ""));
}

/** Sends `text` from a tab's room form and waits until the server took it (the form clears). */
export async function sayInRoom(page: Page, text: string): Promise<void> {
  await page.fill("#room-input", text);
  await page.click("#room-send");
  await page.waitForFunction(() => (document.getElementById("room-input") as HTMLInputElement).value === "", null, {
    timeout: 10_000,
  });
}

/** Opens the demo page at `url` and waits until its modules run (generously: the machine may be busy). */
export async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById("feed")?.dataset.state !== "idle", null, { timeout: 15_000 });
}

/** The states of an answer that is still being read. */
export const READING = ["idle", "connecting", "open", "reconnecting"];
/** Generous: an answer takes 6 to 18 s on the server, more on a busy machine. */
export const ANSWER_TIMEOUT = 45_000;

/** The SHA-256 (hex) of the demo's download, as the page shows it once the bytes check out. */
export function expectedSha(): string {
  return createHash("sha256").update(demoBytes()).digest("hex");
}

/**
 * Presses the download panel's Pause as the progress bar reaches `percent`, from inside
 * the page: a MutationObserver on the bar runs before the reader takes its next chunk, so
 * the press lands while the download is still running however busy the machine is (a
 * click sent from the test after seeing the bar could arrive after the last byte).
 */
export async function pauseDownloadAt(page: Page, percent: number): Promise<void> {
  await page.evaluate(
    (percent) =>
      new Promise<void>((resolve, reject) => {
        const bar = document.getElementById("download-progress") as HTMLProgressElement;
        const pause = document.getElementById("download-pause") as HTMLButtonElement;
        const gaveUp = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`the download bar stayed at ${bar.value} % for 10 s; it was to be paused at ${percent} %`));
        }, 10_000);
        const observer = new MutationObserver(() => {
          if (bar.value < percent) return;
          observer.disconnect();
          clearTimeout(gaveUp);
          if (bar.value >= 100) return reject(new Error(`the download ended before it reached ${percent} %`));
          pause.click();
          resolve();
        });
        observer.observe(bar, { attributes: true, attributeFilter: ["value"] });
      }),
    percent,
  );
}
