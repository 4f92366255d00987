/**
 * Response factories: streamingResponse, textResponse, htmlResponse, ndjsonResponse,
 * toResponse and handle.
 * @module
 */
import { jsonText, streamed } from "./_streamed.ts";
import { encodeChunk, asBytes, type Encoder } from "./_encode.ts";
import { describe } from "./_messages.ts";
import { isThenable } from "./_source.ts";
import type { Chunk, ItemResponseInit, Source, StreamingResponseInit } from "./types.ts";

const TEXT = "text/plain; charset=utf-8";

/**
 * Streams `source` as the body of a `Response`, pulling an item only when the client
 * is ready for it. Content type `text/plain; charset=utf-8` unless `init.headers` says
 * otherwise; never `Content-Length`, `Transfer-Encoding` or `Connection`.
 *
 * @example
 * ```ts
 * export default {
 *   fetch: (request: Request) =>
 *     streamingResponse(async function* (signal) {
 *       for await (const token of llm.stream(prompt, { signal })) yield token;
 *     }, { signal: request.signal }),
 * };
 * ```
 */
export function streamingResponse(source: Source<Chunk>, init?: StreamingResponseInit): Response {
  return streamed(source, init, { encode: encodeChunk }, TEXT);
}

/**
 * The same function as {@link streamingResponse}, whose default type is already
 * `text/plain; charset=utf-8`: one idea, so one function under two names.
 * @deprecated Use `streamingResponse`. Kept because the design names it.
 * @alias
 */
export const textResponse: typeof streamingResponse = streamingResponse;

/**
 * {@link streamingResponse} labelled `text/html; charset=utf-8`: the browser renders each
 * part as it arrives, so send the page's head and shell first.
 * @example
 * ```ts
 * htmlResponse(async function* () {
 *   yield "<!doctype html><title>Report</title><h1>Report</h1>";
 *   for await (const row of slowRows()) yield `<p>${escapeHtml(row)}</p>`;
 * });
 * ```
 */
export function htmlResponse(source: Source<Chunk>, init?: StreamingResponseInit): Response {
  return streamed(source, init, { encode: encodeChunk }, "text/html; charset=utf-8");
}

/**
 * Streams each item as one line of JSON (`application/x-ndjson`). An item JSON cannot
 * encode (`undefined`, a function, a BigInt, a cycle) errors the body with a `TypeError`
 * naming its index.
 * @example
 * ```ts
 * ndjsonResponse(async function* () {
 *   for await (const entry of tailLog()) yield { level: entry.level, msg: entry.msg };
 * });
 * ```
 * @see https://github.com/ndjson/ndjson-spec
 */
export function ndjsonResponse(source: Source<unknown>, init?: ItemResponseInit<unknown>): Response {
  return streamed(source, init, { encode: encodeJsonLine }, "application/x-ndjson");
}

const encodeJsonLine: Encoder<unknown> = (item, index) => jsonText(item, `NDJSON item #${index}`) + "\n";

/**
 * Turns whatever a handler returned into a `Response`:
 *
 * | value | response |
 * | --- | --- |
 * | a `Response` | as it is |
 * | a `ReadableStream`, an async iterable, a generator, a producer function | streamed ({@link streamingResponse}) |
 * | a string | `text/plain; charset=utf-8` |
 * | bytes, `ArrayBuffer`, `Blob` | `application/octet-stream` (a Blob's own type wins) |
 * | `null` / `undefined` | 204 No Content |
 * | `FormData`, `URLSearchParams` | as `fetch` encodes them |
 * | arrays, numbers, booleans, other objects | JSON |
 *
 * @example
 * ```ts
 * toResponse({ ok: true });              // application/json
 * toResponse((async function* () { yield "hi"; })()); // streamed text
 * ```
 */
export function toResponse(value: unknown, init?: StreamingResponseInit): Response {
  if (value instanceof Response) return value;
  if (value === null || value === undefined) return plain(null, init, undefined, 204);
  if (typeof value === "string") return plain(value, init, TEXT);
  const bytes = asBytes(value);
  if (bytes) return plain(bytes as Uint8Array<ArrayBuffer>, init, "application/octet-stream");
  if (typeof Blob !== "undefined" && value instanceof Blob) {
    return plain(value, init, value.type || "application/octet-stream");
  }
  if (isStreamable(value)) return streamingResponse(value as Source<Chunk>, init);
  if (isThenable(value)) {
    throw new TypeError("sluice: toResponse() got a Promise. Await it first, or wrap the handler with handle(), which does.");
  }
  if (
    (typeof FormData !== "undefined" && value instanceof FormData) ||
    (typeof URLSearchParams !== "undefined" && value instanceof URLSearchParams)
  ) {
    return plain(value, init, undefined);
  }
  if (value instanceof Map || value instanceof Set) {
    throw new TypeError(
      `sluice: cannot send ${describe(value)}: JSON would turn it into {}. Convert it first, ` +
        `e.g. Object.fromEntries(map) or [...set].`,
    );
  }
  if (typeof value === "symbol" || typeof value === "bigint") {
    throw new TypeError(`sluice: cannot send ${describe(value)} as a response. Return a string, e.g. String(value).`);
  }
  return plain(jsonText(value, `the value (${describe(value)})`), init, "application/json");
}

/**
 * Wraps a fetch handler so it may return anything {@link toResponse} understands, a
 * generator above all; streams are tied to `request.signal`, so a client that leaves
 * stops the producer.
 *
 * @example
 * ```ts
 * export default {
 *   fetch: handle(async function* (request) {
 *     yield "hello ";
 *     yield new URL(request.url).searchParams.get("name") ?? "world";
 *   }),
 * };
 * ```
 */
export function handle<A extends unknown[]>(
  fn: (request: Request, ...rest: A) => unknown,
): (request: Request, ...rest: A) => Promise<Response> {
  if (typeof fn !== "function") {
    throw new TypeError(`sluice: handle() takes a function (request) => value, got ${describe(fn)}.`);
  }
  return async (request, ...rest) => {
    const value = await fn(request, ...rest);
    return toResponse(value, request?.signal ? { signal: request.signal } : undefined);
  };
}

/** An async iterable, an iterator (a generator object), a ReadableStream or a producer. */
function isStreamable(value: unknown): boolean {
  if (typeof value === "function") return true;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  if (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") return true;
  if (typeof (value as ReadableStream).getReader === "function") return true;
  return (
    typeof (value as Iterator<unknown>).next === "function" && typeof (value as Iterable<unknown>)[Symbol.iterator] === "function"
  );
}

/** A whole (not streamed) response; the caller's status and headers win. */
function plain(body: BodyInit | null, init: ResponseInit | undefined, type: string | undefined, status?: number): Response {
  const headers = new Headers(init?.headers);
  if (type && !headers.has("content-type")) headers.set("content-type", type);
  const responseInit: ResponseInit = { headers };
  const chosen = init?.status ?? status;
  if (chosen !== undefined) responseInit.status = chosen;
  if (init?.statusText !== undefined) responseInit.statusText = init.statusText;
  return new Response(body, responseInit);
}
