/**
 * The demo's routes read by clients other than a browser: the `eventsource` package (a
 * Node EventSource), `curl -N`, and `fetch` for the topic routes.
 */
import { spawn } from "node:child_process";
import { EventSource } from "eventsource";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterEach, beforeEach, expect, test } from "vitest";
import { ANSWER_WORDS, answerWord, type Word } from "../../examples/routes/answers.ts";
import { MESSAGE_MAX } from "../../examples/routes/room.ts";
import { RETRY_MS, tokenText } from "../../examples/routes/sse.ts";
import { startDemo, type RunningDemo } from "./demo-server.ts";
import { readEvents } from "../../src/client.ts";

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

test("fetch: POST starts an answer and streams it (201, Location); dropped after 50 words, a GET with Last-Event-ID gives the rest once; then 204", async () => {
  const dropped = new AbortController();
  const started = await fetch(new URL("/answers", demo.url), { method: "POST", signal: dropped.signal });
  expect(started.status).toBe(201);
  const location = started.headers.get("location");
  expect(location).toMatch(/^\/answers\/[0-9a-f-]{36}$/);
  const answerUrl = new URL(location!, demo.url);

  const words: Word[] = [];
  let lastId: string | undefined;
  for await (const event of events(started)) {
    words.push(JSON.parse(event.data) as Word);
    lastId = event.id;
    if (words.length === 50) break; // leaving the loop cancels the body: the connection drops
  }
  dropped.abort();
  const rest = await fetch(answerUrl, { headers: { "last-event-id": lastId! } });
  const after: EventSourceMessage[] = [];
  for await (const event of events(rest)) after.push(event);
  expect(after.at(-1)).toMatchObject({ event: "done", data: JSON.stringify({ words: ANSWER_WORDS }) });
  for (const event of after.slice(0, -1)) words.push(JSON.parse(event.data) as Word);
  expect(words).toEqual(range(1, ANSWER_WORDS).map((n) => ({ n, of: ANSWER_WORDS, text: answerWord(n) })));

  // A client that has everything, done included, is told there is no more: a reconnecting client stops on 204.
  const again = await fetch(answerUrl, { headers: { "last-event-id": after.at(-1)!.id! } });
  expect(again.status).toBe(204);
  expect(demo.answerRequests()).toEqual([
    { method: "POST", lastEventIdHeader: null },
    { method: "GET", lastEventIdHeader: lastId },
    { method: "GET", lastEventIdHeader: after.at(-1)!.id },
  ]);
}, 60_000);

test("fetch: the topic routes refuse what they do not take, and say why", async () => {
  const send = (path: string, init?: RequestInit) => fetch(new URL(path, demo.url), init);
  const refusal = async (response: Response) => ({
    status: response.status,
    allow: response.headers.get("allow"),
    text: await response.text(),
  });
  expect(await refusal(await send("/answers"))).toMatchObject({ status: 405, allow: "POST" });
  expect(await refusal(await send("/room", { method: "DELETE" }))).toMatchObject({ status: 405, allow: "GET, HEAD, POST" });
  expect(await refusal(await send("/sse", { method: "POST" }))).toMatchObject({ status: 405, allow: "GET, HEAD" });
  // An id this server never made leads to no topic: a 404, never a new empty topic that waits for ever.
  expect(await refusal(await send(`/answers/${crypto.randomUUID()}`))).toMatchObject({
    status: 404,
    text: expect.stringContaining("started no answer with that id"),
  });
  const say = async (body: BodyInit) => refusal(await send("/room", { method: "POST", body }));
  expect(await say("  \n ")).toMatchObject({ status: 400, text: expect.stringContaining("a message needs some text") });
  expect(await say("x".repeat(MESSAGE_MAX + 1))).toMatchObject({
    status: 400,
    text: expect.stringContaining(`at most ${MESSAGE_MAX} characters; this one has ${MESSAGE_MAX + 1}`),
  });
  expect(await say("x".repeat(100_000))).toMatchObject({
    status: 400,
    text: expect.stringContaining("the body must be at most"),
  });
  expect(await say(new Uint8Array([0x68, 0xff, 0x69]))).toMatchObject({
    status: 400,
    text: expect.stringContaining("not UTF-8"),
  });
  // A body with no Content-Length that never ends is refused once it passes the limit, not buffered until its end.
  const endless = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new Uint8Array(2_000).fill(0x78)) });
  const streamed = await send("/room", { method: "POST", body: endless, duplex: "half" } as RequestInit);
  expect(await refusal(streamed)).toMatchObject({ status: 400, text: expect.stringContaining("the body must be at most") });

  // None of those reached the room; a message does, and a newcomer is shown it.
  const sent = await send("/room", { method: "POST", body: " hello from fetch " });
  expect(sent.status).toBe(200);
  const { id } = (await sent.json()) as { id: string };
  const reading = new AbortController();
  for await (const event of events(await send("/room", { signal: reading.signal }))) {
    expect(event.id).toBe(id);
    expect(JSON.parse(event.data)).toMatchObject({ text: "hello from fetch" });
    break;
  }
  reading.abort();
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The events of an SSE response as they arrive (sluice's own reader: leaving the loop cancels the body). */
function events(response: Response) {
  expect(response.ok, `status ${response.status}`).toBe(true);
  return readEvents(response);
}

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
