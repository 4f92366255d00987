/**
 * Server-sent events: formatEvent, sseResponse, lastEventId, keep-alive.
 *
 * The encoder is written against the parser of the WHATWG HTML standard, so that what an
 * `EventSource` dispatches is exactly what was yielded.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import { asBytes, encodeText, type Encoder } from "./_encode.ts";
import { checkNonNegative, describe, quote } from "./_messages.ts";
import { jsonText, streamed } from "./_streamed.ts";
import type { ItemResponseInit, Source } from "./types.ts";

/** One event. Every field is optional; unknown keys are ignored. */
export interface ServerSentEvent {
  /** The event's data. Not a string (or bytes)? It is sent as `JSON.stringify(data)`. */
  data?: unknown;
  /** The event type (`addEventListener(type, ...)`); absent means `message`. */
  event?: string;
  /** Sets the client's last event ID, sent back as `Last-Event-ID` when it reconnects. */
  id?: string | number;
  /** ms the client waits before reconnecting. */
  retry?: number;
  /** A comment: sent, but never dispatched. */
  comment?: string;
}

/** What an SSE source yields: an event, or a string / bytes as the data of one `message`. */
export type SSEItem = ServerSentEvent | string | ArrayBufferView | ArrayBuffer;

/**
 * {@link StreamingResponseInit} plus the keep-alive interval; `onError` may return an
 * event (e.g. `{ event: "error", data: { retry: true } }`).
 */
export interface SSEResponseInit extends ItemResponseInit<SSEItem> {
  /** ms of producer silence before a `: keep-alive` comment is sent; default 15_000; false = never. */
  keepAlive?: number | false;
}

const DEFAULT_KEEP_ALIVE = 15_000;
const KEEP_ALIVE = encodeText(": keep-alive\n\n");
const NEWLINE = /\r\n|\r|\n/;
const HAS_NEWLINE = /[\r\n]/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Encodes one event in the `text/event-stream` format. Pure; throws on input that would
 * not reach the client as written:
 * - `event` or `id` with CR or LF, `id` with NUL: `TypeError` (a line break would forge a field);
 * - `retry` that is not a non-negative integer: `RangeError`;
 * - `data` JSON cannot encode (BigInt, cycle, function): `TypeError`.
 *
 * Data is split on CRLF, LF and CR into one `data: ` line each, so no text can forge a
 * field or an event; every event ends with a blank line. The client joins data lines
 * with LF, so a CR or CRLF in data arrives as LF: the format has no other line break.
 *
 * @example
 * ```ts
 * formatEvent({ event: "token", id: 7, data: { text: "Hi" } });
 * // 'event: token\nid: 7\ndata: {"text":"Hi"}\n\n'
 * formatEvent("line one\nline two");
 * // 'data: line one\ndata: line two\n\n'
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
export function formatEvent(item: SSEItem): string {
  if (typeof item === "string") return dataLines(item) + "\n";
  const bytes = asBytes(item);
  if (bytes) return dataLines(decode(bytes, "the event")) + "\n";
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new TypeError(
      `sluice: an SSE item must be a string, bytes or an event object { data, event, id, retry, comment }, ` +
        `got ${describe(item)}.` +
        (Array.isArray(item) ? " To send an array as JSON, yield { data: array }." : ""),
    );
  }
  const { data, event, id, retry, comment } = item as ServerSentEvent;
  let out = "";
  if (comment !== undefined) {
    if (typeof comment !== "string") throw new TypeError(`sluice: SSE \`comment\` must be a string, got ${describe(comment)}.`);
    for (const line of comment.split(NEWLINE)) out += ": " + line + "\n";
  }
  if (event !== undefined) out += "event: " + field("event", event) + "\n";
  if (id !== undefined) out += "id: " + eventId(id) + "\n";
  if (retry !== undefined) {
    if (typeof retry !== "number" || !Number.isSafeInteger(retry) || retry < 0) {
      throw new RangeError(`sluice: SSE \`retry\` must be a non-negative integer of ms, got ${quote(retry)}.`);
    }
    out += "retry: " + retry + "\n";
  }
  if (data !== undefined) out += dataField(data);
  return out + "\n";
}

/**
 * Streams server-sent events: each item of `source` is one event ({@link formatEvent}).
 * Sets `content-type: text/event-stream; charset=utf-8`, `cache-control: no-cache,
 * no-transform` and `x-accel-buffering: no` (caller headers win). After `keepAlive` ms of
 * producer silence a `: keep-alive` comment is sent, but only while the client is reading,
 * so keep-alives never pile up behind a stalled client.
 *
 * @example
 * ```ts
 * app.get("/events", (request) =>
 *   sseResponse(async function* (signal) {
 *     let id = Number(lastEventId(request) ?? 0);
 *     for await (const price of prices({ signal, after: id })) {
 *       yield { event: "price", id: ++id, data: price };
 *     }
 *   }, { signal: request.signal }),
 * );
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
export function sseResponse(source: Source<SSEItem>, init?: SSEResponseInit): Response {
  return streamed(source, init, { encode: encodeEvent, idle: keepAliveOf(init) }, SSE_TYPE);
}

/** The content type of every SSE response. @internal */
export const SSE_TYPE = "text/event-stream; charset=utf-8";

/** The keep-alive of an SSE body made with `init`: its interval and the comment it sends. @internal */
export function keepAliveOf(init: SSEResponseInit | undefined): { ms: number; chunk: Uint8Array } | undefined {
  const keepAlive =
    init?.keepAlive === false
      ? false
      : (checkNonNegative("keepAlive", init?.keepAlive, "ms", "Use 0 or false for no keep-alive.") ?? DEFAULT_KEEP_ALIVE);
  return keepAlive ? { ms: keepAlive, chunk: KEEP_ALIVE } : undefined;
}

/**
 * The `data` of an event as a client receives it: text (or UTF-8 bytes) with CRLF and CR
 * turned to LF, as the client's parser joins data lines; anything else as JSON text.
 * Throws what {@link formatEvent} throws for the same data. @internal
 */
export function eventData(data: unknown): string {
  if (typeof data === "string") return HAS_NEWLINE.test(data) ? data.replace(/\r\n?/g, "\n") : data;
  const bytes = asBytes(data);
  if (bytes) return eventData(decode(bytes, "`data`"));
  return jsonText(data, "SSE `data`");
}

/** Checks an `event` type: a string without CR or LF. @internal */
export function eventName(value: unknown): string {
  return field("event", value);
}

/**
 * The last event ID the client saw: the `Last-Event-ID` header an `EventSource` sends
 * when it reconnects, else the `lastEventId` query parameter (for clients that cannot
 * set headers), else `undefined`.
 * @example
 * ```ts
 * const resumeAfter = Number(lastEventId(request) ?? 0);
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-last-event-id-header
 */
export function lastEventId(request: Request): string | undefined {
  if (typeof request?.headers?.get !== "function") {
    throw new TypeError(`sluice: lastEventId() takes the Request being answered, got ${describe(request)}.`);
  }
  const header = request.headers.get("last-event-id");
  if (header) return header;
  try {
    return new URL(request.url).searchParams.get("lastEventId") || undefined;
  } catch {
    return undefined;
  }
}

const encodeEvent: Encoder<SSEItem> = (item, index) => {
  try {
    return formatEvent(item);
  } catch (error) {
    const message = String((error as Error).message).replace(/^sluice: /, `sluice: SSE item #${index}: `);
    throw error instanceof RangeError ? new RangeError(message, { cause: error }) : new TypeError(message, { cause: error });
  }
};

function dataLines(text: string): string {
  if (!HAS_NEWLINE.test(text)) return "data: " + text + "\n";
  let out = "";
  for (const line of text.split(NEWLINE)) out += "data: " + line + "\n";
  return out;
}

function dataField(data: unknown): string {
  if (typeof data === "string") return dataLines(data);
  const bytes = asBytes(data);
  if (bytes) return dataLines(decode(bytes, "`data`"));
  // JSON escapes CR and LF inside strings, so JSON text is always one line.
  return "data: " + jsonText(data, "SSE `data`") + "\n";
}

/** `event` or `id` (named by `name`) as a string on one line: a CR or LF would start a forged field. */
function field(name: string, value: unknown): string {
  if (typeof value !== "string") throw new TypeError(`sluice: SSE \`${name}\` must be a string, got ${describe(value)}.`);
  if (HAS_NEWLINE.test(value)) {
    throw new TypeError(`sluice: SSE \`${name}\` must not contain CR or LF, got ${quote(value)}. Remove the line breaks.`);
  }
  return value;
}

/** The parser ignores an `id` containing NUL, and CR/LF would forge a field. */
function eventId(id: unknown): string {
  if (typeof id === "number") {
    if (!Number.isFinite(id)) throw new TypeError(`sluice: SSE \`id\` must be a string or a finite number, got ${id}.`);
    return String(id);
  }
  const text = field("id", id);
  if (text.includes("\0")) {
    throw new TypeError(`sluice: SSE \`id\` must not contain NUL (U+0000), got ${quote(text)}: clients ignore such an id.`);
  }
  return text;
}

function decode(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new TypeError(`sluice: SSE ${what} is bytes that are not valid UTF-8; send text, or encode the bytes (e.g. base64).`, {
      cause: error,
    });
  }
}
