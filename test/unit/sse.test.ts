import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { formatEvent, lastEventId, sseResponse, type ServerSentEvent, type SSEItem } from "../../src/index.ts";
import { decoder, sleep, untilAborted } from "./helpers.ts";

/** What eventsource-parser reads back from `wire`, fed in the pieces given. */
function parse(pieces: string[]) {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (event) => events.push(event),
    onRetry: (retry) => retries.push(retry),
    onComment: (comment) => comments.push(comment),
  });
  for (const piece of pieces) parser.feed(piece);
  return { events, retries, comments };
}

/**
 * The events, retries and comments a client must see for `items`, by the WHATWG rules.
 * Data lines are joined with LF, so CRLF and CR in data arrive as LF: the format has no
 * other way to carry a line break.
 */
function expected(items: SSEItem[]) {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  for (const item of items) {
    if (typeof item === "string") {
      events.push({ id: undefined, event: undefined, data: lf(item) });
      continue;
    }
    const { data, event, id, retry, comment } = item as ServerSentEvent;
    if (comment !== undefined) comments.push(...comment.split(/\r\n|\r|\n/));
    if (retry !== undefined) retries.push(retry);
    if (data === undefined) continue;
    events.push({
      id: id === undefined ? undefined : String(id),
      event: event || undefined,
      data: typeof data === "string" ? lf(data) : JSON.stringify(data),
    });
  }
  return { events, retries, comments };
}

const lf = (text: string) => text.replace(/\r\n|\r/g, "\n");

const special = fc.constantFrom("\r", "\n", "\r\n", "\n\n", "\r\r", "\0", " ", ":", "data: x", "event: y", "\uFEFF", "é", "😀");
/** Any well-formed text, rich in line breaks, colons, NUL, BOM and field names. */
const text = fc.array(fc.oneof(special, fc.string({ unit: "binary" })), { maxLength: 6 }).map((parts) => parts.join(""));
const oneLine = text.filter((s) => !/[\r\n]/.test(s));
const eventItem: fc.Arbitrary<ServerSentEvent> = fc.record(
  {
    data: fc.oneof(text, fc.jsonValue()),
    event: oneLine,
    id: fc.oneof(
      oneLine.filter((s) => !s.includes("\0")),
      fc.integer(),
    ),
    retry: fc.nat(),
    comment: text,
  },
  { requiredKeys: [] },
);
const item: fc.Arbitrary<SSEItem> = fc.oneof(text, eventItem);

/** Splits `wire` at arbitrary points, as a network would. */
function splitAt(wire: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let last = 0;
  for (const point of points) {
    pieces.push(wire.slice(last, point));
    last = point;
  }
  pieces.push(wire.slice(last));
  return pieces;
}

describe("formatEvent round trip", () => {
  test("what eventsource-parser reads back equals what was written, with no extra event, however the wire is cut", () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (items, cuts) => {
        const wire = items.map(formatEvent).join("");
        expect(parse(splitAt(wire, cuts))).toEqual(expected(items));
      }),
      { numRuns: 500 },
    );
  });

  test.each([
    ["CR", "a\rb"],
    ["LF", "a\nb"],
    ["CRLF", "a\r\nb"],
    ["a trailing LF", "ends with newline\n"],
    ["a lone CR at the end", "x\r"],
    ["empty data", ""],
    ["only line breaks", "\n\r\n\r"],
    ["a leading space", "  two spaces"],
    ["a colon and a field name", "id: forged\n\nevent: forged"],
    ["unicode", "héllo 😀 \u2028 \uFEFFbom"],
  ])("%s in data round-trips exactly (CR and CRLF as LF)", (_name, data) => {
    const wire = formatEvent(data) + formatEvent({ event: "e", id: "1", data });
    expect(parse([wire]).events).toEqual([
      { id: undefined, event: undefined, data: lf(data) },
      { id: "1", event: "e", data: lf(data) },
    ]);
  });

  test("bytes are the UTF-8 data of one message", () => {
    const bytes = new TextEncoder().encode("bytes ✓\nline 2");
    expect(formatEvent(bytes)).toBe("data: bytes ✓\ndata: line 2\n\n");
    expect(formatEvent({ data: bytes.buffer })).toBe("data: bytes ✓\ndata: line 2\n\n");
  });

  test("an object writes its fields, JSON for non-string data, and a blank line after it", () => {
    expect(formatEvent({ event: "token", id: 7, retry: 1000, data: { text: "Hi" }, comment: "c" })).toBe(
      ': c\nevent: token\nid: 7\nretry: 1000\ndata: {"text":"Hi"}\n\n',
    );
  });

  test("a multi-line comment is one ': ' line per line, and never dispatched", () => {
    const wire = formatEvent({ comment: "one\ntwo" });
    expect(wire).toBe(": one\n: two\n\n");
    expect(parse([wire]).events).toEqual([]);
  });

  test("unknown keys of an object item are ignored", () => {
    expect(formatEvent({ data: "x", colour: "red" } as ServerSentEvent)).toBe("data: x\n\n");
  });

  test("no output ever starts with a byte order mark", () => {
    fc.assert(fc.property(item, (it) => !formatEvent(it).startsWith("\uFEFF")));
  });
});

describe("formatEvent refuses what would not arrive as written", () => {
  test.each([
    ["event", { event: "a\nb" }, /`event` must not contain CR or LF, got "a\\nb"/],
    ["event", { event: "a\rb" }, /`event` must not contain CR or LF/],
    ["id", { id: "1\r\n2" }, /`id` must not contain CR or LF/],
    ["id", { id: "a\0b" }, /`id` must not contain NUL/],
  ])("%s %j is a TypeError quoting it", (_field, input, message) => {
    expect(() => formatEvent(input as ServerSentEvent)).toThrow(TypeError);
    expect(() => formatEvent(input as ServerSentEvent)).toThrow(message);
  });

  test.each([-1, 1.5, Number.NaN, Infinity, "100"])("retry %s is a RangeError", (retry) => {
    expect(() => formatEvent({ retry: retry as number })).toThrow(RangeError);
    expect(() => formatEvent({ retry: retry as number })).toThrow(/`retry` must be a non-negative integer/);
  });

  test("data with a BigInt is a TypeError naming the BigInt", () => {
    expect(() => formatEvent({ data: { n: 1n } })).toThrow(TypeError);
    expect(() => formatEvent({ data: { n: 1n } })).toThrow(/contains a BigInt/);
  });

  test("data with a cycle is a TypeError naming the cycle", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => formatEvent({ data: cyclic })).toThrow(/contains a cycle/);
  });

  test("data that is a function is a TypeError", () => {
    expect(() => formatEvent({ data: () => 1 })).toThrow(/is a function, which JSON cannot encode/);
  });

  test("an item that is not a string, bytes or an object is a TypeError saying what is allowed", () => {
    expect(() => formatEvent(42 as never)).toThrow(/must be a string, bytes or an event object/);
    expect(() => formatEvent(["a"] as never)).toThrow(/yield \{ data: array \}/);
    expect(() => formatEvent(null as never)).toThrow(/got null/);
  });

  test("bytes that are not UTF-8 are a TypeError", () => {
    expect(() => formatEvent(new Uint8Array([0xff, 0xfe]))).toThrow(/not valid UTF-8/);
  });
});

describe("sseResponse", () => {
  test("sets the event-stream headers, and caller headers win", () => {
    const plain = sseResponse([]);
    expect(plain.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(plain.headers.get("x-accel-buffering")).toBe("no");
    expect(plain.headers.has("content-length")).toBe(false);
    expect(plain.headers.has("transfer-encoding")).toBe(false);
    expect(plain.headers.has("connection")).toBe(false);
    const custom = sseResponse([], { headers: { "cache-control": "private", "x-extra": "1" } });
    expect(custom.headers.get("cache-control")).toBe("private");
    expect(custom.headers.get("x-extra")).toBe("1");
  });

  test("streams its items as events that parse back", async () => {
    const response = sseResponse(async function* () {
      yield "hello";
      yield { event: "token", id: 1, data: { t: "a\nb" } };
    });
    expect(parse([await response.text()]).events).toEqual([
      { id: undefined, event: undefined, data: "hello" },
      { id: "1", event: "token", data: '{"t":"a\\nb"}' },
    ]);
  });

  test("a bad item errors the body with its index in the message", async () => {
    const response = sseResponse(async function* () {
      yield "ok";
      yield { event: "bad\nname", data: "x" };
    });
    await expect(response.text()).rejects.toThrow(/SSE item #1: SSE `event` must not contain CR or LF/);
  });

  test("an idle producer gets ': keep-alive' comments while the consumer reads", async () => {
    const reader = sseResponse(
      async function* (signal) {
        yield "start";
        await untilAborted(signal);
      },
      { keepAlive: 20 },
    ).body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("data: start\n\n");
    for (let i = 0; i < 3; i++) expect(decoder.decode((await reader.read()).value)).toBe(": keep-alive\n\n");
    await reader.cancel();
  });

  test("a busy producer gets no keep-alive comments", async () => {
    const text = await sseResponse(
      async function* () {
        for (let i = 0; i < 20; i++) {
          await sleep(5);
          yield `${i}`;
        }
      },
      { keepAlive: 100 },
    ).text();
    expect(text).not.toContain("keep-alive");
    expect(parse([text]).events).toHaveLength(20);
  });

  test("keep-alives do not pile up while the consumer is not reading", async () => {
    const reader = sseResponse(
      async function* (signal) {
        await untilAborted(signal);
      },
      { keepAlive: 30 },
    ).body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe(": keep-alive\n\n");
    await sleep(200); // a stalled client: no pull, so no keep-alive is made
    const asked = Date.now();
    expect(decoder.decode((await reader.read()).value)).toBe(": keep-alive\n\n");
    expect(Date.now() - asked).toBeGreaterThanOrEqual(20); // made fresh after the read, not queued
    await reader.cancel();
  });

  test("with a highWaterMark, keep-alives wait for the client to read what was sent: at most one is queued behind a client that reads nothing", async () => {
    const reader = sseResponse(
      async function* (signal) {
        yield { data: "first" };
        await untilAborted(signal);
      },
      { keepAlive: 10, highWaterMark: 4096 },
    ).body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("data: first\n\n");
    await sleep(300); // 30 intervals with nothing read
    // Only what is queued: a read of a queued chunk is settled at once, so it wins the race
    // against a settled promise, and no timer runs between the reads. (Waiting a few ms per
    // read instead would let the stream, read again, send the keep-alive it now may.)
    let queued = "";
    for (;;) {
      const read = await Promise.race([reader.read(), Promise.resolve(undefined)]);
      if (read === undefined || read.done) break;
      queued += decoder.decode(read.value);
    }
    expect(queued, "the keep-alive queued while nothing was read").toContain(": keep-alive\n\n");
    expect(queued.split(": keep-alive\n\n").length - 1).toBeLessThanOrEqual(1);
    await reader.cancel();
  });

  test("every keep-alive is bytes of its own: a consumer that overwrites or transfers one leaves the next, and other streams', intact", async () => {
    const idle = () =>
      sseResponse(
        async function* (signal) {
          await untilAborted(signal);
        },
        { keepAlive: 10 },
      ).body!.getReader();
    const [a, b] = [idle(), idle()];
    const first = (await a.read()).value!;
    first.fill(0);
    structuredClone(first.buffer, { transfer: [first.buffer] }); // detaches it
    expect(decoder.decode((await a.read()).value)).toBe(": keep-alive\n\n");
    expect(decoder.decode((await b.read()).value)).toBe(": keep-alive\n\n");
    await Promise.all([a.cancel(), b.cancel()]);
  });

  test("onError may return an event object, sent as the last event", async () => {
    const text = await sseResponse(
      async function* () {
        yield { data: "one" };
        throw new Error("failed");
      },
      { onError: () => ({ event: "error", data: { retry: true } }) },
    ).text();
    expect(text).toBe('data: one\n\nevent: error\ndata: {"retry":true}\n\n');
  });

  test("onError returning a string sends it as the data of one message, as a yielded string would be", async () => {
    const text = await sseResponse(
      async function* () {
        throw new Error("failed");
      },
      { onError: () => "failed" },
    ).text();
    expect(text).toBe("data: failed\n\n");
  });

  test("keepAlive: false sends none", async () => {
    const reader = sseResponse(
      async function* () {
        await sleep(80);
        yield "late";
      },
      { keepAlive: false },
    ).body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("data: late\n\n");
  });

  test("a negative keepAlive is a RangeError", () => {
    expect(() => sseResponse([], { keepAlive: -5 })).toThrow(/`keepAlive` must be/);
  });
});

describe("lastEventId", () => {
  test("reads the Last-Event-ID header first", () => {
    const request = new Request("http://x/events?lastEventId=7", { headers: { "last-event-id": "42" } });
    expect(lastEventId(request)).toBe("42");
  });

  test("falls back to the lastEventId query parameter", () => {
    expect(lastEventId(new Request("http://x/events?lastEventId=7"))).toBe("7");
  });

  test("is undefined when the client sent neither", () => {
    expect(lastEventId(new Request("http://x/events"))).toBeUndefined();
  });

  test("something other than a Request is a TypeError saying what it takes", () => {
    expect(() => lastEventId(undefined as never)).toThrow(/lastEventId\(\) takes the Request being answered, got undefined/);
  });
});

describe("keep-alive memory", () => {
  test("an idle stream's memory does not grow with the number of keep-alives sent", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const reader = sseResponse(
      async function* (signal) {
        await untilAborted(signal); // idle for as long as the stream is open
      },
      { keepAlive: 1 },
    ).body!.getReader();
    const keepAlives = async (count: number) => {
      for (let i = 0; i < count; i++) expect(decoder.decode((await reader.read()).value)).toBe(": keep-alive\n\n");
    };
    await keepAlives(100);
    gc();
    const before = process.memoryUsage().heapUsed;
    await keepAlives(1_500);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    await reader.cancel();
    // Measured: ~0.1 MB here; a reaction left on the idle step per keep-alive made ~0.9 MB.
    expect(grown).toBeLessThan(300_000);
  }, 20_000);
});
