import { describe, expect, test } from "vitest";
import { readChunks, readEvents, readLines, readNdjson } from "../../src/client.ts";
import { ResponseStatusError, sseResponse, streamingResponse } from "../../src/index.ts";
import { sleep, tracked, within } from "./helpers.ts";

const encoder = new TextEncoder();
/** A byte stream that delivers `parts` as separate chunks, however they cut the text. */
const bytes = (...parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe("readLines", () => {
  test("splits on LF and CRLF, across chunk boundaries, and keeps a last line without a newline", async () => {
    expect(await collect(readLines(bytes("one\r", "\ntwo\nthr", "ee\r\n\nlast")))).toEqual(["one", "two", "three", "", "last"]);
  });

  test("decodes UTF-8 split across chunks", async () => {
    const euro = encoder.encode("€\n");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(euro.subarray(0, 1));
        controller.enqueue(euro.subarray(1));
        controller.close();
      },
    });
    expect(await collect(readLines(stream))).toEqual(["€"]);
  });

  test("a response without a body reads as no lines", async () => {
    expect(await collect(readLines(new Response(null, { status: 204 })))).toEqual([]);
  });
});

describe("readNdjson", () => {
  test("yields one value per line, skipping blank lines", async () => {
    expect(await collect(readNdjson(bytes('{"a":1}\n\n', '[2]\n"three"')))).toEqual([{ a: 1 }, [2], "three"]);
  });

  test("a line that is not JSON is a SyntaxError naming its line number", async () => {
    const error = await collect(readNdjson(bytes('{"ok":true}\n\n{broken\n'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as Error).message).toMatch(/NDJSON line 3 is not JSON.*\{broken/);
  });
});

describe("readEvents", () => {
  test("parses what sseResponse sends, skipping comments", async () => {
    const response = sseResponse([{ comment: "hi" }, "plain", { event: "e", id: 1, data: { x: "a\nb" } }]);
    expect(await collect(readEvents(response))).toEqual([
      { event: undefined, id: undefined, data: "plain", lastEventId: "" },
      { event: "e", id: "1", data: '{"x":"a\\nb"}', lastEventId: "1" },
    ]);
  });
});

describe("readChunks", () => {
  test("yields the chunks as they arrive", async () => {
    const chunks = await collect(readChunks(bytes("ab", "c")));
    expect(chunks.map((chunk) => new TextDecoder().decode(chunk))).toEqual(["ab", "c"]);
  });
});

describe("every reader", () => {
  test.each([
    ["readChunks", readChunks],
    ["readLines", readLines],
    ["readNdjson", readNdjson],
    ["readEvents", readEvents],
  ] as const)("%s: leaving the loop early cancels the body, so the producer's finally runs", async (_name, read) => {
    const { state, producer } = tracked(async function* () {
      for (let i = 0; ; i++) {
        yield `{"i":${i}}\n`;
        yield `data: ${i}\n\n`;
        await sleep(1);
      }
    });
    const items = (read as (body: Response) => AsyncIterable<unknown>)(streamingResponse(producer));
    for await (const _item of items) break;
    await within(state.finished.promise, 500, "the producer's finally");
    expect(state.signal!.aborted).toBe(true);
  });

  test.each([readChunks, readLines, readNdjson, readEvents])("%o refuses an error response with its status", async (read) => {
    const reading = (read as (body: Response) => AsyncIterable<unknown>)(
      new Response("oops", { status: 503, statusText: "Service Unavailable" }),
    );
    const error = await collect(reading).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseStatusError);
    expect((error as ResponseStatusError).status).toBe(503);
    expect((error as Error).message).toMatch(/503 Service Unavailable.*response\.ok/);
  });

  test("a used or locked body, or something else, is a TypeError", async () => {
    const used = new Response("x");
    await used.text();
    await expect(collect(readLines(used))).rejects.toThrow(/already read/);
    const locked = bytes("x");
    locked.getReader();
    await expect(collect(readLines(locked))).rejects.toThrow(/locked/);
    await expect(collect(readLines("text" as never))).rejects.toThrow(/takes a Response or a ReadableStream/);
  });
});

describe("what the readers fixed in issue #14", () => {
  test("readEvents keeps an id-only block's id: the next event's lastEventId, and the stream's at the end", async () => {
    const events = readEvents(bytes("data: a\n\n", "id: 7\n\n", "data: b\n\n", "id: 9\n\n"));
    expect(await collect(events)).toEqual([
      { event: undefined, id: undefined, data: "a", lastEventId: "" },
      { event: undefined, id: undefined, data: "b", lastEventId: "7" },
    ]);
    expect(events.lastEventId).toBe("9");
  });

  test("an event ended by a lone CR at the end of the stream is not dropped (eventsource-parser 4)", async () => {
    expect((await collect(readEvents(bytes("data: last\r\r")))).map((event) => event.data)).toEqual(["last"]);
  });

  test("readLines is linear: one 32 MiB line in 16 KiB chunks is read in seconds, not minutes", async () => {
    const size = 32 * 1024 * 1024;
    const piece = encoder.encode("x".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === size) {
          controller.enqueue(encoder.encode("\nnext"));
          controller.close();
          return;
        }
        controller.enqueue(piece);
        sent += piece.byteLength;
      },
    });
    const lines = await within(collect(readLines(stream, { maxLineSize: 64 * 1024 * 1024 })), 8_000, "a 32 MiB line");
    expect(lines.map((line) => line.length)).toEqual([size, 4]);
  });

  test.each([
    [
      "readLines",
      () => collect(readLines(bytes("short\n", "y".repeat(100)), { maxLineSize: 64 })),
      /a line is longer than maxLineSize \(64 characters\).*Raise maxLineSize/,
    ],
    [
      "readNdjson",
      () => collect(readNdjson(bytes(`"${"y".repeat(100)}"\n`), { maxLineSize: 64 })),
      /maxLineSize \(64 characters\)/,
    ],
    [
      "readEvents",
      () => collect(readEvents(bytes(`data: ${"y".repeat(100)}`), { maxEventSize: 64 })),
      /an event is longer than maxEventSize \(64 characters\).*Raise maxEventSize/,
    ],
  ])("%s stops with a RangeError naming its bound when the server sends more in one line or event", async (_, read, message) => {
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(message);
  });

  test("the body of a non-2xx response is cancelled before ResponseStatusError is thrown", async () => {
    let cancelled = false;
    const body = new ReadableStream({
      cancel() {
        cancelled = true;
      },
    });
    await expect(collect(readEvents(new Response(body, { status: 503 })))).rejects.toBeInstanceOf(ResponseStatusError);
    expect(cancelled).toBe(true);
  });

  test("ResponseStatusError is exported from sluice/client", async () => {
    const client = await import("../../src/client.ts");
    expect(client.ResponseStatusError).toBe(ResponseStatusError);
  });
});
