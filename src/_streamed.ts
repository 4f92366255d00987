/**
 * What every streamed response shares: its headers, its body made by the engine, and
 * JSON text whose failures say what could not be encoded.
 * @module
 */
import { createBody, type BodyConfig, type BodyOptions } from "./_body.ts";
import { describe } from "./_messages.ts";
import type { CursorSource } from "./_source.ts";
import type { ItemResponseInit, Source } from "./types.ts";

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
export function streamed<T>(
  source: Source<T> | CursorSource<T>,
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
  const options: BodyOptions<T> = { signal: signal ?? undefined, timeout, writeTimeout, highWaterMark, onError };
  const responseInit: ResponseInit = { headers };
  if (status !== undefined) responseInit.status = status;
  if (statusText !== undefined) responseInit.statusText = statusText;
  return new Response(createBody(source, options, config), responseInit);
}

/** `JSON.stringify` whose failures say what could not be encoded and how to fix it. */
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
