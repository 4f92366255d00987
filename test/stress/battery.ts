/**
 * Invalid input to every public function of the core and the adapters, each with the
 * outcome the docs promise. Portable: the `/stress/battery` route runs every case inside
 * each host (Node, Deno, Bun, workerd) and reports what happened; the stress suite then
 * checks each outcome against `expected` here. A case that hangs is reported as such
 * after {@link HANG_MS}, never waited for.
 */
import {
  fileResponse,
  formatEvent,
  handle,
  htmlResponse,
  lastEventId,
  ndjsonResponse,
  sseResponse,
  streamingResponse,
  textResponse,
  toResponse,
  toStream,
  type FileLike,
  type ServerSentEvent,
  type SSEItem,
} from "../../src/index.ts";
import { worker } from "../../runtimes/workers.ts";

/** The runtime adapter of a host (`sluice/node`, `sluice/deno`, `sluice/bun`); none on workerd. */
export interface Adapter {
  serve(handler: unknown, options?: unknown): Promise<{ close(): Promise<void> }>;
  openFile(path: unknown): Promise<unknown>;
}

/** What a case did: threw or errored its body (with the text sent before), gave a value, hung, or could not run here. */
export type Outcome =
  | { error: { name: string; message: string }; text?: string }
  | { value: unknown }
  | { hang: true }
  | { skipped: string };

export type Expected =
  | { error: string; message?: RegExp; text?: string }
  | { value: unknown }
  | { matches: RegExp };

export interface Case {
  name: string;
  run: (adapter: Adapter) => unknown;
  expected: Expected;
  /** Needs the host's runtime adapter (not on workerd). */
  adapter?: true;
}

export const HANG_MS = 3_000;

const never: AsyncIterable<string> = { [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }) };
const cyclic = (): unknown => {
  const value: { self?: unknown } = {};
  value.self = value;
  return value;
};
const producerOf = (...items: unknown[]) =>
  async function* () {
    for (const item of items) yield item;
  };
const request = (headers: Record<string, string> = {}, path = "/") => new Request(`http://localhost${path}`, { headers });
const typeError = (message?: RegExp): Expected => (message ? { error: "TypeError", message } : { error: "TypeError" });
const rangeError = (message?: RegExp): Expected => (message ? { error: "RangeError", message } : { error: "RangeError" });

/** Reads a body to its end: its text, or the error it ended with and the text before it. */
async function read(body: ReadableStream<Uint8Array> | Response | null): Promise<unknown> {
  const stream = body instanceof Response ? body.body : body;
  if (!stream) return "";
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
  } catch (error) {
    if (typeof error === "object" && error !== null) Object.assign(error, { textBefore: text });
    throw error;
  }
  return text;
}

/** A file whose stream fails after its first bytes. */
const failingFile: FileLike = {
  size: 100,
  slice: () => ({
    stream: () =>
      new ReadableStream<Uint8Array>({
        pulls: 0,
        pull(controller) {
          if (this.pulls++ === 0) controller.enqueue(new Uint8Array(10).fill(65));
          else controller.error(new Error("stress: the disk failed"));
        },
      } as UnderlyingDefaultSource<Uint8Array> & { pulls: number }),
  }),
};
const blob = new File(["hello"], "hello.txt", { lastModified: Date.UTC(2026, 0, 1) });
const disposition = (filename: string) => fileResponse(blob, { filename }).headers.get("content-disposition");
const status = (headers: Record<string, string>) => {
  const response = fileResponse(blob, { request: request(headers) });
  response.body?.cancel().catch(() => {});
  return `${response.status} ${response.headers.get("content-range") ?? ""}`.trim();
};

export const CASES: Case[] = [
  // Sources
  { name: "toStream(42): a source that is not iterable is a TypeError naming a number", run: () => toStream(42 as never), expected: typeError(/source is a number, which cannot be streamed/) },
  { name: "toStream({}): a plain object is a TypeError naming the kinds of source", run: () => toStream({} as never), expected: typeError(/an object, which cannot be streamed.*async iterable/s) },
  { name: "toStream(null) is a TypeError naming null", run: () => toStream(null as never), expected: typeError(/source is null/) },
  { name: "toStream(Symbol()) is a TypeError naming a symbol", run: () => toStream(Symbol("s") as never), expected: typeError(/a symbol, which cannot be streamed/) },
  {
    name: "a locked ReadableStream as the source is a TypeError that says to tee() it",
    run: () => {
      const locked = new ReadableStream();
      locked.getReader();
      return streamingResponse(locked);
    },
    expected: typeError(/locked.*tee\(\)/s),
  },
  {
    name: "the body of a Response already read with text() is refused as locked",
    run: async () => {
      const used = new Response("used");
      await used.text();
      return streamingResponse(used.body!);
    },
    expected: typeError(/locked/),
  },
  {
    name: "a ReadableStream already read to its end (and released) streams as an empty body",
    run: async () => {
      const stream = new Response("gone").body!;
      const reader = stream.getReader();
      while (!(await reader.read()).done);
      reader.releaseLock();
      return read(streamingResponse(stream));
    },
    expected: { value: "" },
  },
  { name: "a producer that returns a number errors the body with a TypeError naming it", run: () => read(toStream((() => 5) as never)), expected: typeError(/value returned by the producer function is a number/) },
  { name: "a producer that resolves to an object errors the body with a TypeError naming it", run: () => read(toStream((async () => ({})) as never)), expected: typeError(/value the producer function resolved to is an object/) },
  {
    name: "a producer that throws at once errors the body with its own error",
    run: () => read(toStream(() => {
      throw new Error("stress: thrown at once");
    })),
    expected: { error: "Error", message: /thrown at once/ },
  },
  {
    name: "an async iterable whose iterator has no next() errors the body with a TypeError",
    run: () => read(toStream({ [Symbol.asyncIterator]: () => ({}) } as never)),
    expected: typeError(/next/),
  },
  {
    name: "an iterator whose next() rejects errors the body after the chunks before it",
    run: () => {
      let calls = 0;
      const iterator = { next: () => (++calls === 1 ? Promise.resolve({ value: "first ", done: false }) : Promise.reject(new Error("stress: next failed"))) };
      return read(toStream({ [Symbol.asyncIterator]: () => iterator }));
    },
    expected: { error: "Error", message: /next failed/, text: "first " },
  },
  {
    name: "cancelling a body whose iterator's return() throws or rejects settles, with nothing unhandled",
    run: async () => {
      const endings: string[] = [];
      for (const how of ["throws", "rejects"]) {
        const iterator = {
          next: () => Promise.resolve({ value: "x", done: false }),
          return: () => {
            if (how === "throws") throw new Error("stress: return() threw");
            return Promise.reject(new Error("stress: return() rejected"));
          },
        };
        const reader = toStream({ [Symbol.asyncIterator]: () => iterator }).getReader();
        await reader.read();
        await reader.cancel("bye");
        endings.push(`${how}: cancelled`);
      }
      return endings;
    },
    expected: { value: ["throws: cancelled", "rejects: cancelled"] },
  },
  {
    name: "cancelling a body whose ReadableStream source rejects its cancel() settles, with nothing unhandled",
    run: async () => {
      const source = new ReadableStream<string>({
        pull: (controller) => controller.enqueue("x"),
        cancel: () => Promise.reject(new Error("stress: cancel rejected")),
      });
      const reader = toStream(source).getReader();
      await reader.read();
      await reader.cancel("bye");
      return "cancelled";
    },
    expected: { value: "cancelled" },
  },
  // Chunks
  { name: "an object chunk errors the body with a TypeError naming its index, after the chunk before it", run: () => read(toStream(producerOf("ok", { a: 1 }) as never)), expected: { error: "TypeError", message: /chunk #1 is an object.*ndjsonResponse.*JSON\.stringify/s, text: "ok" } },
  { name: "a null chunk is a TypeError naming null", run: () => read(toStream(producerOf(null) as never)), expected: typeError(/chunk #0 is null/) },
  { name: "an undefined chunk is a TypeError naming undefined", run: () => read(toStream(producerOf(undefined) as never)), expected: typeError(/chunk #0 is undefined/) },
  { name: "a symbol chunk is a TypeError naming a symbol", run: () => read(toStream(producerOf(Symbol("s")) as never)), expected: typeError(/chunk #0 is a symbol/) },
  { name: "a function chunk is a TypeError naming a function", run: () => read(toStream(producerOf(() => 1) as never)), expected: typeError(/chunk #0 is a function/) },
  { name: "an array chunk is a TypeError naming an array", run: () => read(toStream(producerOf([1, 2]) as never)), expected: typeError(/chunk #0 is an array/) },
  { name: "a Map chunk is a TypeError naming the Map", run: () => read(toStream(producerOf(new Map()) as never)), expected: typeError(/chunk #0 is an object \(Map\)/) },
  { name: "BigInt, boolean and number chunks are sent as String(x)", run: () => read(toStream([10n, true, 2.5, -0])), expected: { value: "10true2.50" } },
  // Options
  { name: "timeout -1 is a RangeError naming `timeout`", run: () => toStream([], { timeout: -1 }), expected: rangeError(/`timeout`/) },
  { name: "timeout NaN is a RangeError naming `timeout`", run: () => toStream([], { timeout: Number.NaN }), expected: rangeError(/`timeout`.*NaN/) },
  { name: 'timeout "100" (a string) is a RangeError naming `timeout`', run: () => toStream([], { timeout: "100" as never }), expected: rangeError(/`timeout`/) },
  { name: "writeTimeout -5 is a RangeError naming `writeTimeout`", run: () => streamingResponse([], { writeTimeout: -5 }), expected: rangeError(/`writeTimeout`/) },
  { name: "writeTimeout NaN is a RangeError naming `writeTimeout`", run: () => streamingResponse([], { writeTimeout: Number.NaN }), expected: rangeError(/`writeTimeout`.*NaN/) },
  { name: "highWaterMark Infinity is a RangeError naming `highWaterMark`", run: () => toStream([], { highWaterMark: Infinity }), expected: rangeError(/`highWaterMark`/) },
  { name: "options that are not an object are a TypeError", run: () => toStream([], 5 as never), expected: typeError(/options must be an object/) },
  { name: "a signal that is not an AbortSignal is a TypeError", run: () => toStream([], { signal: {} as AbortSignal }), expected: typeError(/`signal` must be an AbortSignal/) },
  { name: "onError that is not a function is a TypeError", run: () => toStream([], { onError: "x" as never }), expected: typeError(/`onError` must be a function/) },
  { name: "streamingResponse init that is not an object is a TypeError", run: () => streamingResponse([], 5 as never), expected: typeError(/init must be an object/) },
  { name: "textResponse of a number is a TypeError", run: () => textResponse(7 as never), expected: typeError(/cannot be streamed/) },
  { name: "htmlResponse with timeout -1 is a RangeError", run: () => htmlResponse([], { timeout: -1 }), expected: rangeError(/`timeout`/) },
  {
    name: "an onError that throws errors the body with its own error",
    run: () => read(toStream(producerOf("a", Symbol("bad")) as never, { onError: () => { throw new Error("stress: onError failed"); } })),
    expected: { error: "Error", message: /onError failed/, text: "a" },
  },
  {
    name: "an onError that returns an object (not a chunk) errors the body with a TypeError",
    run: () => read(streamingResponse(producerOf(Symbol("bad")) as never, { onError: () => ({ not: "a chunk" }) as never })),
    expected: typeError(/cannot be sent as bytes/),
  },
  {
    name: "an already-aborted signal errors the body with its reason",
    run: () => read(toStream(["never sent"], { signal: AbortSignal.abort() })),
    expected: { error: "AbortError" },
  },
  { name: "a timeout of 1 ms on a producer that never yields ends the body as a TimeoutError", run: () => read(toStream(never, { timeout: 1 })), expected: { error: "TimeoutError", message: /timeout/ } },
  // Server-sent events
  { name: "SSE event with LF is a TypeError", run: () => formatEvent({ event: "a\nb" }), expected: typeError(/`event` must not contain CR or LF/) },
  { name: "SSE event with CR is a TypeError", run: () => formatEvent({ event: "a\rb" }), expected: typeError(/`event` must not contain CR or LF/) },
  { name: "SSE event that is a number is a TypeError", run: () => formatEvent({ event: 5 } as never), expected: typeError(/`event` must be a string/) },
  { name: "SSE id with LF is a TypeError", run: () => formatEvent({ id: "1\n2" }), expected: typeError(/`id` must not contain CR or LF/) },
  { name: "SSE id with NUL is a TypeError", run: () => formatEvent({ id: "a\0b" }), expected: typeError(/NUL/) },
  { name: "SSE id NaN is a TypeError", run: () => formatEvent({ id: Number.NaN }), expected: typeError(/finite number/) },
  { name: "SSE id Infinity is a TypeError", run: () => formatEvent({ id: Infinity }), expected: typeError(/finite number/) },
  { name: "SSE id that is an object is a TypeError", run: () => formatEvent({ id: {} } as never), expected: typeError(/`id` must be a string/) },
  { name: "SSE retry -1 is a RangeError", run: () => formatEvent({ retry: -1 }), expected: rangeError(/`retry`/) },
  { name: "SSE retry 1.5 is a RangeError", run: () => formatEvent({ retry: 1.5 }), expected: rangeError(/`retry`/) },
  { name: "SSE retry NaN is a RangeError", run: () => formatEvent({ retry: Number.NaN }), expected: rangeError(/`retry`/) },
  { name: 'SSE retry "100" (a string) is a RangeError', run: () => formatEvent({ retry: "100" } as never), expected: rangeError(/`retry`/) },
  { name: "SSE data that is a BigInt is a TypeError naming the BigInt", run: () => formatEvent({ data: 1n }), expected: typeError(/BigInt/) },
  { name: "SSE data holding a BigInt is a TypeError naming the BigInt", run: () => formatEvent({ data: { n: 1n } }), expected: typeError(/BigInt/) },
  { name: "SSE data with a cycle is a TypeError naming the cycle", run: () => formatEvent({ data: cyclic() }), expected: typeError(/cycle/) },
  { name: "SSE data that is a function is a TypeError", run: () => formatEvent({ data: () => 1 }), expected: typeError(/JSON cannot encode/) },
  { name: "SSE data that is a symbol is a TypeError", run: () => formatEvent({ data: Symbol("s") }), expected: typeError(/JSON cannot encode/) },
  { name: "SSE data bytes that are not UTF-8 are a TypeError", run: () => formatEvent({ data: new Uint8Array([0xff, 0xfe]) }), expected: typeError(/not valid UTF-8/) },
  { name: "an SSE item of bytes that are not UTF-8 is a TypeError", run: () => formatEvent(new Uint8Array([0xc3])), expected: typeError(/not valid UTF-8/) },
  { name: "an SSE item that is null is a TypeError saying what is allowed", run: () => formatEvent(null as never), expected: typeError(/string, bytes or an event object/) },
  { name: "an SSE item that is a number is a TypeError saying what is allowed", run: () => formatEvent(42 as never), expected: typeError(/string, bytes or an event object/) },
  { name: "an SSE item that is an array is a TypeError saying to yield { data: array }", run: () => formatEvent([1] as never), expected: typeError(/yield \{ data: array \}/) },
  { name: "an SSE comment that is not a string is a TypeError", run: () => formatEvent({ comment: 5 } as never), expected: typeError(/`comment` must be a string/) },
  { name: "sseResponse keepAlive -1 is a RangeError", run: () => sseResponse([], { keepAlive: -1 }), expected: rangeError(/`keepAlive`/) },
  { name: "sseResponse keepAlive NaN is a RangeError", run: () => sseResponse([], { keepAlive: Number.NaN }), expected: rangeError(/`keepAlive`/) },
  { name: 'sseResponse keepAlive "5" (a string) is a RangeError', run: () => sseResponse([], { keepAlive: "5" as never }), expected: rangeError(/`keepAlive`/) },
  { name: "sseResponse writeTimeout NaN is a RangeError", run: () => sseResponse([], { writeTimeout: Number.NaN }), expected: rangeError(/`writeTimeout`/) },
  {
    name: "an SSE stream whose second event has an id with LF errors after the first event, naming item #1",
    run: () => read(sseResponse(producerOf({ data: "ok" }, { id: "1\n2", data: "forged" }) as () => AsyncGenerator<SSEItem>)),
    expected: { error: "TypeError", message: /SSE item #1/, text: "data: ok\n\n" },
  },
  {
    name: "an SSE stream yielding BigInt data errors naming item #0 and the BigInt",
    run: () => read(sseResponse(producerOf({ data: 5n } as ServerSentEvent) as () => AsyncGenerator<SSEItem>, { keepAlive: false })),
    expected: typeError(/SSE item #0.*BigInt/),
  },
  {
    name: "an SSE stream yielding a retry of -1 errors with a RangeError naming item #0",
    run: () => read(sseResponse([{ retry: -1 }])),
    expected: rangeError(/SSE item #0/),
  },
  // NDJSON
  { name: "an NDJSON item that is a BigInt errors the body naming item #0", run: () => read(ndjsonResponse([1n])), expected: typeError(/NDJSON item #0.*BigInt/) },
  { name: "an NDJSON item with a cycle errors the body naming item #1, after item #0", run: () => read(ndjsonResponse([{ ok: true }, cyclic()])), expected: { error: "TypeError", message: /NDJSON item #1.*cycle/, text: '{"ok":true}\n' } },
  { name: "an NDJSON item that is undefined errors the body naming it", run: () => read(ndjsonResponse([undefined])), expected: typeError(/NDJSON item #0 is undefined/) },
  { name: "an NDJSON item that is a function errors the body naming it", run: () => read(ndjsonResponse([() => 1])), expected: typeError(/NDJSON item #0 is a function/) },
  // toResponse and handle
  { name: "toResponse(a Promise) is a TypeError saying to await it", run: () => toResponse(Promise.resolve(1)), expected: typeError(/Await it first/) },
  { name: "toResponse(a Map) is a TypeError rather than {}", run: () => toResponse(new Map([[1, 2]])), expected: typeError(/Object\.fromEntries/) },
  { name: "toResponse(a Set) is a TypeError rather than {}", run: () => toResponse(new Set([1])), expected: typeError(/\[\.\.\.set\]/) },
  { name: "toResponse(a symbol) is a TypeError", run: () => toResponse(Symbol("s")), expected: typeError(/Return a string/) },
  { name: "toResponse(a BigInt) is a TypeError", run: () => toResponse(10n), expected: typeError(/Return a string/) },
  { name: "toResponse(a cyclic object) is a TypeError naming the cycle", run: () => toResponse(cyclic()), expected: typeError(/cycle/) },
  { name: "toResponse(an object holding a BigInt) is a TypeError naming the BigInt", run: () => toResponse({ n: 1n }), expected: typeError(/BigInt/) },
  { name: "handle(42) is a TypeError", run: () => handle(42 as never), expected: typeError(/handle\(\) takes a function/) },
  { name: "a handle()d handler returning a cycle rejects with a TypeError", run: () => handle(() => cyclic())(request()), expected: typeError(/cycle/) },
  {
    name: "a handle()d generator yielding an object streams, then errors the body naming chunk #0",
    run: async () => read(await handle(function* () {
      yield { not: "a chunk" };
    })(request())),
    expected: typeError(/chunk #0 is an object/),
  },
  // lastEventId
  { name: "lastEventId with an empty Last-Event-ID header falls back to the query", run: () => lastEventId(request({ "last-event-id": "" }, "/?lastEventId=7")), expected: { value: "7" } },
  { name: "lastEventId with neither header nor query is undefined", run: () => lastEventId(request({}, "/?lastEventId=")) ?? "undefined", expected: { value: "undefined" } },
  { name: "lastEventId(undefined) is a TypeError", run: () => lastEventId(undefined as never), expected: typeError() },
  // Files
  { name: "fileResponse(null) is a TypeError naming what a file is", run: () => fileResponse(null as never), expected: typeError(/needs a Blob, a File or openFile/) },
  { name: "fileResponse({}) is a TypeError", run: () => fileResponse({} as never), expected: typeError(/needs a Blob, a File or openFile/) },
  { name: "fileResponse of a size of -1 is a TypeError", run: () => fileResponse({ size: -1, slice: () => blob } as never), expected: typeError(/needs a Blob/) },
  { name: "fileResponse of a size of NaN is a TypeError", run: () => fileResponse({ size: Number.NaN, slice: () => blob } as never), expected: typeError(/needs a Blob/) },
  { name: "fileResponse of a size of 1.5 is a TypeError", run: () => fileResponse({ size: 1.5, slice: () => blob } as never), expected: typeError(/needs a Blob/) },
  { name: "fileResponse chunkSize 10 is a RangeError", run: () => fileResponse(blob, { chunkSize: 10 }), expected: rangeError(/`chunkSize`/) },
  { name: "fileResponse chunkSize 2 MiB is a RangeError", run: () => fileResponse(blob, { chunkSize: 2 * 1024 * 1024 }), expected: rangeError(/`chunkSize`/) },
  { name: "fileResponse chunkSize NaN is a RangeError", run: () => fileResponse(blob, { chunkSize: Number.NaN }), expected: rangeError(/`chunkSize`/) },
  { name: "fileResponse filename 42 is a TypeError", run: () => fileResponse(blob, { filename: 42 as never }), expected: typeError(/`filename` must be a string/) },
  { name: 'fileResponse disposition "evil" is a TypeError', run: () => fileResponse(blob, { disposition: "evil" as never }), expected: typeError(/`disposition`/) },
  { name: "a file whose stream fails mid-way errors the body after the bytes before it", run: () => read(fileResponse(failingFile)), expected: { error: "Error", message: /disk failed/, text: "AAAAAAAAAA" } },
  // Hostile filenames: never a quote, backslash, slash, CR, LF or control character raw in the header.
  { name: "filename ../../etc/passwd is cut to its last segment", run: () => disposition("../../etc/passwd"), expected: { value: 'attachment; filename="passwd"' } },
  { name: "filename C:\\Windows\\cmd.exe is cut to its last segment", run: () => disposition("C:\\Windows\\cmd.exe"), expected: { value: 'attachment; filename="cmd.exe"' } },
  { name: 'filename with a quote has it replaced in the ASCII name', run: () => disposition('evil"; x=".txt'), expected: { value: "attachment; filename=\"evil_; x=_.txt\"; filename*=UTF-8''evil%22%3B%20x%3D%22.txt" } },
  { name: "filename with CRLF and a header after it loses the line break", run: () => disposition("a\r\nSet-Cookie: x=1"), expected: { value: 'attachment; filename="aSet-Cookie: x=1"' } },
  { name: "filename .. becomes download", run: () => disposition(".."), expected: { value: 'attachment; filename="download"' } },
  { name: "an empty filename becomes download", run: () => disposition(""), expected: { value: 'attachment; filename="download"' } },
  { name: "a filename of control characters only becomes download", run: () => disposition("\u0000\u0007\u001b"), expected: { value: 'attachment; filename="download"' } },
  { name: "a filename with percent signs is not decodable as another name", run: () => disposition("%2e%2e%2fetc"), expected: { value: "attachment; filename=\"_2e_2e_2fetc\"; filename*=UTF-8''%252e%252e%252fetc" } },
  { name: "a non-ASCII filename has an ASCII fallback and an RFC 8187 name", run: () => disposition("naïve 😀.txt"), expected: { value: "attachment; filename=\"na_ve _.txt\"; filename*=UTF-8''na%C3%AFve%20%F0%9F%98%80.txt" } },
  { name: "a filename with a lone surrogate is sent with U+FFFD", run: () => disposition("\uD800.txt"), expected: { value: "attachment; filename=\"_.txt\"; filename*=UTF-8''%EF%BF%BD.txt" } },
  { name: "a filename of 10,000 characters is cut to 255 code points, its extension kept", run: () => disposition("x".repeat(10_000) + ".txt"), expected: { value: `attachment; filename="${"x".repeat(251)}.txt"` } },
  { name: "a filename with C1 control characters loses them", run: () => disposition("a\u0085b\u009bc.txt"), expected: { value: 'attachment; filename="abc.txt"' } },
  { name: "a filename with a right-to-left override loses it, so it cannot pose as another extension", run: () => disposition("invoice\u202Efdp.exe"), expected: { value: 'attachment; filename="invoicefdp.exe"' } },
  // Malformed Range and If-* headers (RFC 9110): ignored, 416 or 304 as documented.
  { name: "Range bytes=abc is ignored: 200", run: () => status({ range: "bytes=abc" }), expected: { value: "200" } },
  { name: "Range bytes=3-1 (end before start) is ignored: 200", run: () => status({ range: "bytes=3-1" }), expected: { value: "200" } },
  { name: "Range with two ranges is answered whole: 200", run: () => status({ range: "bytes=0-1,3-4" }), expected: { value: "200" } },
  { name: "Range in another unit is ignored: 200", run: () => status({ range: "items=0-1" }), expected: { value: "200" } },
  { name: "Range bytes=- is ignored: 200", run: () => status({ range: "bytes=-" }), expected: { value: "200" } },
  { name: "Range bytes=-0 is 416", run: () => status({ range: "bytes=-0" }), expected: { value: "416 bytes */5" } },
  { name: "Range past the end is 416 with bytes */SIZE", run: () => status({ range: "bytes=5-" }), expected: { value: "416 bytes */5" } },
  { name: "Range with a 30-digit end is clamped to the file", run: () => status({ range: "bytes=1-999999999999999999999999999999" }), expected: { value: "206 bytes 1-4/5" } },
  { name: "Range with a 30-digit start is 416", run: () => status({ range: "bytes=999999999999999999999999999999-" }), expected: { value: "416 bytes */5" } },
  { name: "Range with a negative number is ignored: 200", run: () => status({ range: "bytes=-1-2" }), expected: { value: "200" } },
  { name: "If-None-Match of garbage is no match: 200", run: () => status({ "if-none-match": '"x", garbage, W/' }), expected: { value: "200" } },
  { name: "If-Modified-Since that is not a date is ignored: 200", run: () => status({ "if-modified-since": "yesterday-ish" }), expected: { value: "200" } },
  { name: "If-Modified-Since far in the future is 304", run: () => status({ "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT" }), expected: { value: "304" } },
  { name: "If-Range with a weak ETag sends the whole file: 200", run: () => status({ range: "bytes=0-1", "if-range": 'W/"5-0"' }), expected: { value: "200" } },
  { name: "If-Range that is not a date sends the whole file: 200", run: () => status({ range: "bytes=0-1", "if-range": "not a date" }), expected: { value: "200" } },
  // Adapters
  { name: "worker(42) is a TypeError", run: () => worker(42 as never), expected: typeError(/expected a fetch handler/) },
  { name: "serve(42) is a TypeError", adapter: true, run: (adapter) => adapter.serve(42), expected: typeError(/expected a fetch handler/) },
  { name: "serve with port -1 is a RangeError", adapter: true, run: (adapter) => adapter.serve(() => new Response(), { port: -1 }), expected: rangeError(/`port`/) },
  { name: "serve with port 70000 is a RangeError", adapter: true, run: (adapter) => adapter.serve(() => new Response(), { port: 70_000 }), expected: rangeError(/`port`/) },
  { name: "serve with port NaN is a RangeError", adapter: true, run: (adapter) => adapter.serve(() => new Response(), { port: Number.NaN }), expected: rangeError(/`port`/) },
  { name: "serve with shutdownGrace -1 is a RangeError", adapter: true, run: (adapter) => adapter.serve(() => new Response(), { port: 0, shutdownGrace: -1 }), expected: rangeError(/`shutdownGrace`/) },
  { name: "serve with shutdownGrace NaN is a RangeError", adapter: true, run: (adapter) => adapter.serve(() => new Response(), { port: 0, shutdownGrace: Number.NaN }), expected: rangeError(/`shutdownGrace`/) },
  { name: "openFile(42) is a TypeError", adapter: true, run: (adapter) => adapter.openFile(42), expected: typeError(/openFile\(\) takes a path string/) },
  { name: "openFile of a missing path is a NotFoundError", adapter: true, run: (adapter) => adapter.openFile("/no/such/sluice/file"), expected: { error: "NotFoundError", message: /no file at/ } },
  { name: "openFile of a directory is a NotFoundError", adapter: true, run: (adapter) => adapter.openFile("."), expected: { error: "NotFoundError", message: /no file at/ } },
];

/** Runs every case here, each bounded by {@link HANG_MS}. */
export async function runBattery(adapter: Adapter | undefined): Promise<{ name: string; outcome: Outcome }[]> {
  const results: { name: string; outcome: Outcome }[] = [];
  for (const testCase of CASES) {
    results.push({ name: testCase.name, outcome: await runCase(testCase, adapter) });
  }
  return results;
}

async function runCase(testCase: Case, adapter: Adapter | undefined): Promise<Outcome> {
  if (testCase.adapter && !adapter) return { skipped: "this host has no serve()/openFile() adapter" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ hang: true }), HANG_MS)));
  const outcome = (async (): Promise<Outcome> => {
    try {
      const value = await testCase.run(adapter!);
      if (value instanceof Response) {
        value.body?.cancel().catch(() => {});
        return { value: "a Response" };
      }
      if (value instanceof ReadableStream) {
        value.cancel().catch(() => {});
        return { value: "a ReadableStream" };
      }
      if (typeof (value as { close?: unknown } | null)?.close === "function") {
        await (value as { close(): Promise<void> }).close(); // a server that should not have started
        return { value: "a running server" };
      }
      return { value: value === undefined ? "undefined" : value };
    } catch (error) {
      const { name, message, textBefore } = error as { name?: string; message?: string; textBefore?: string };
      return { error: { name: String(name), message: String(message) }, ...(textBefore ? { text: textBefore } : {}) };
    }
  })();
  try {
    return await Promise.race([outcome, hang]);
  } finally {
    clearTimeout(timer);
  }
}
