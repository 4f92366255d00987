/**
 * Response factories: streamingResponse, textResponse, htmlResponse, ndjsonResponse,
 * toResponse and handle.
 * @module
 */
import { createBody, type BodyConfig, type BodyOptions } from "./_body.ts";
import { encodeChunk, asBytes, type Encoder } from "./_encode.ts";
import { describe } from "./errors.ts";
import { isThenable } from "./_source.ts";
import type { Chunk, ItemResponseInit, Source, StreamingResponseInit } from "./types.ts";

const TEXT = "text/plain; charset=utf-8";

/**
 * Headers a streamed response must not carry: the runtime frames the body itself, and
 * HTTP/2 forbids connection-specific fields (RFC 9113 §8.2.2). They are dropped even when
 * the caller passes them, so proxying `upstream.headers` stays correct.
 */
const FRAMING_HEADERS = ["content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "upgrade"];

/**
 * Headers every streamed response carries unless the caller set them: `no-transform`
 * makes proxies and compression middleware (Hono's `compress()`, nginx) pass chunks
 * through as they come instead of holding them for a full block; `x-accel-buffering: no`
 * does the same for nginx's response buffering. A file download is not a stream of
 * events, and fileResponse does not set them.
 */
const STREAM_HEADERS = { "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" };

/**
 * Builds a streamed `Response`: `init` is split into the `ResponseInit` and the
 * {@link BodyOptions}; `type` is the content type and {@link STREAM_HEADERS} are set
 * unless the caller gave them.
 * @internal
 */
export function respond<T>(
  source: Source<T>,
  init: ItemResponseInit<T> | undefined,
  config: BodyConfig<T>,
  type: string,
): Response {
  if (init !== undefined && (typeof init !== "object" || init === null)) {
    throw new TypeError(`sluice: init must be an object like { headers, status, signal }, got ${describe(init)}.`);
  }
  const { status, statusText, headers: given, signal, timeout, writeTimeout, highWaterMark, onError } = init ?? {};
  const headers = new Headers(given);
  for (const name of FRAMING_HEADERS) headers.delete(name);
  if (!headers.has("content-type")) headers.set("content-type", type);
  for (const [name, value] of Object.entries(STREAM_HEADERS)) if (!headers.has(name)) headers.set(name, value);
  const options: BodyOptions<T> = {};
  if (signal !== undefined && signal !== null) options.signal = signal;
  if (timeout !== undefined) options.timeout = timeout;
  if (writeTimeout !== undefined) options.writeTimeout = writeTimeout;
  if (highWaterMark !== undefined) options.highWaterMark = highWaterMark;
  if (onError !== undefined) options.onError = onError;
  const responseInit: ResponseInit = { headers };
  if (status !== undefined) responseInit.status = status;
  if (statusText !== undefined) responseInit.statusText = statusText;
  return new Response(createBody(source, options, config), responseInit);
}

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
  return respond(source, init, { encode: encodeChunk }, TEXT);
}

/**
 * {@link streamingResponse} labelled `text/plain; charset=utf-8`.
 * @example
 * ```ts
 * textResponse(["one\n", "two\n"]);
 * ```
 */
export function textResponse(source: Source<Chunk>, init?: StreamingResponseInit): Response {
  return respond(source, init, { encode: encodeChunk }, TEXT);
}

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
  return respond(source, init, { encode: encodeChunk }, "text/html; charset=utf-8");
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
  return respond(source, init, { encode: encodeJsonLine }, "application/x-ndjson");
}

const encodeJsonLine: Encoder<unknown> = (item, index) => jsonText(item, `NDJSON item #${index}`) + "\n";

/** `JSON.stringify` whose failures say what could not be encoded and how to fix it. @internal */
export function jsonText(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    const cause = String((error as Error)?.message ?? error);
    const problem = /bigint/i.test(cause)
      ? "contains a BigInt, which JSON cannot encode; convert it with String() or Number() first"
      : /circular|cyclic/i.test(cause)
        ? "contains a cycle (an object that refers to itself), which JSON cannot encode"
        : `cannot be encoded as JSON (${cause})`;
    throw new TypeError(`sluice: ${what} ${problem}.`, { cause: error });
  }
  if (text === undefined) {
    throw new TypeError(`sluice: ${what} is ${describe(value)}, which JSON cannot encode. Send null or an object instead.`);
  }
  return text;
}

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
    typeof (value as Iterator<unknown>).next === "function" &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === "function"
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
