/**
 * The demo's SSE route read by clients other than a browser: the `eventsource` package
 * (a Node EventSource) and `curl -N`.
 */
import { spawn } from "node:child_process";
import { EventSource } from "eventsource";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterEach, beforeEach, expect, test } from "vitest";
import { RETRY_MS, tokenText } from "../../examples/routes/sse.ts";
import { startDemo, type RunningDemo } from "./demo-server.ts";

let demo: RunningDemo;
beforeEach(async () => {
  demo = await startDemo();
});
afterEach(async () => {
  await demo?.close();
});

test("the eventsource package gets tokens 1..7 in order across reconnects, resuming from Last-Event-ID", async () => {
  const source = new EventSource(new URL("/sse?endAfter=3", demo.url));
  const tokens: { id: string; data: string }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${tokens.length} tokens in 8 s`)), 8_000);
      source.addEventListener("token", (event) => {
        tokens.push({ id: event.lastEventId, data: event.data });
        if (tokens.length === 7) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    source.close();
  }
  expect(tokens).toEqual([1, 2, 3, 4, 5, 6, 7].map((id) => ({ id: String(id), data: tokenText(id) })));
  expect(demo.lastEventIdHeaders().slice(0, 3)).toEqual([null, "3", "6"]);
});

test("curl -N gets hello with retry at once, then tokens and ticks after Last-Event-ID, then a clean end", async () => {
  const url = new URL("/sse?endAfter=5", demo.url).href;
  const { stdout, code, firstByteMs, totalMs } = await curl(["-N", "-sS", "--max-time", "10", "-H", "Last-Event-ID: 8", url]);
  expect(code, "curl's exit code: 0 is a complete response").toBe(0);
  expect(stdout.startsWith(`event: hello\nretry: ${RETRY_MS}\ndata: {"resumedAfter":8}\n\n`)).toBe(true);
  // Streamed, not buffered: hello came long before the fifth token (5 × 200 ms).
  expect(totalMs - firstByteMs).toBeGreaterThan(600);

  const events = parse(stdout);
  expect(events.map(({ event, id }) => `${event}${id ? ` #${id}` : ""}`)).toEqual([
    "hello",
    "token #9",
    "token #10",
    "tick",
    "token #11",
    "token #12",
    "token #13",
  ]);
  expect(events.filter(({ event }) => event === "token").map(({ data }) => data)).toEqual([9, 10, 11, 12, 13].map(tokenText));
  expect(JSON.parse(events[3]!.data)).toMatchObject({ sent: 10, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  expect(stdout.endsWith("resumes with Last-Event-ID\n\n")).toBe(true);
});

test("curl -N without Last-Event-ID starts from token 1", async () => {
  const { stdout, code } = await curl(["-N", "-sS", "--max-time", "10", new URL("/sse?endAfter=2", demo.url).href]);
  expect(code).toBe(0);
  expect(parse(stdout).map(({ event, id, data }) => [event, id, data])).toEqual([
    ["hello", undefined, '{"resumedAfter":null}'],
    ["token", "1", tokenText(1)],
    ["token", "2", tokenText(2)],
  ]);
});

function parse(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (event) => events.push(event) }).feed(text);
  return events;
}

/** Runs curl; times are ms from the start to its first output and to its exit. */
function curl(args: string[]): Promise<{ stdout: string; code: number | null; firstByteMs: number; totalMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByteMs = -1;
    let stdout = "";
    let stderr = "";
    const child = spawn("curl", args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      if (firstByteMs < 0) firstByteMs = performance.now() - started;
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.once("error", reject);
    child.once("close", (code) => {
      if (stderr) console.warn(`curl: ${stderr}`);
      resolve({ stdout, code, firstByteMs, totalMs: performance.now() - started });
    });
  });
}
