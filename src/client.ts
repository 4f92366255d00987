/**
 * "sluice/client": read streamed responses with `for await`. Leaving the loop early
 * cancels the body, so the server's producer stops too.
 * @module
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ResponseStatusError } from "./errors.ts";
import { DEFAULT_MAX_LINE, LineSplitter, tooLong } from "./_lines.ts";
import { checkNonNegative, describe } from "./_messages.ts";

export type { EventSourceMessage } from "eventsource-parser";
export { connectEvents } from "./_connect.ts";
export type { ClientEvent, ConnectInit, ConnectInput, EventStream } from "./_connect.ts";
export { ResponseStatusError } from "./errors.ts";
export { GAP_EVENT } from "./gap.ts";
export type { Gap } from "./gap.ts";

/** A fetch `Response`, or a byte stream such as `response.body`. */
export type ReadableBody = Response | ReadableStream<Uint8Array>;

/**
 * The chunks of a body as they arrive.
 * @example
 * ```ts
 * let received = 0;
 * for await (const chunk of readChunks(await fetch(url))) progress((received += chunk.byteLength) / total);
 * ```
 */
export async function* readChunks(body: ReadableBody): AsyncGenerator<Uint8Array, void, undefined> {
  const stream = streamOf(body, "readChunks");
  if (!stream) return;
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const read = await reader.read();
      if (read.done) {
        done = true;
        return;
      }
      yield read.value;
    }
  } finally {
    // Left early (break, return, a throw in the loop): cancel, so the server stops producing.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Options of {@link readLines} and {@link readNdjson}. */
export interface LineOptions {
  /** Most characters of one line before the reader stops with a `RangeError` (a hostile server cannot grow memory without bound). Default 8 MiB. */
  maxLineSize?: number;
}

/** Options of {@link readEvents}. */
export interface EventOptions {
  /** Most characters of one event before the reader stops with a `RangeError`. Default 8 MiB. */
  maxEventSize?: number;
}

/** An event as {@link readEvents} yields it: eventsource-parser's message and the last event ID as of it. */
export interface ReadEvent extends EventSourceMessage {
  /** The last event ID (WHATWG): it persists across events, and an id-only block sets it. */
  lastEventId: string;
}

/**
 * The lines of a UTF-8 body, split on LF or CRLF, without the line break. A last line
 * without a line break is kept. Linear in the body's length, however long a line is.
 * @example
 * ```ts
 * for await (const line of readLines(await fetch("/logs"))) console.log(line);
 * ```
 */
export async function* readLines(body: ReadableBody, options: LineOptions = {}): AsyncGenerator<string, void, undefined> {
  const lines = new LineSplitter(
    checkNonNegative("maxLineSize", options.maxLineSize, "characters") ?? DEFAULT_MAX_LINE,
    "maxLineSize",
  );
  const decoder = new TextDecoder();
  for await (const chunk of readChunks(streamOrEmpty(body, "readLines"))) {
    yield* lines.push(decoder.decode(chunk, { stream: true }));
  }
  yield* lines.push(decoder.decode());
  const last = lines.end();
  if (last !== undefined && last !== "") yield last;
}

/**
 * The JSON values of an NDJSON body, one per line; blank lines are skipped. A line that
 * is not JSON is a `SyntaxError` naming its line number.
 * @example
 * ```ts
 * for await (const entry of readNdjson<{ level: string; msg: string }>(await fetch("/ndjson"))) show(entry);
 * ```
 * @see https://github.com/ndjson/ndjson-spec
 */
export async function* readNdjson<T = unknown>(
  body: ReadableBody,
  options: LineOptions = {},
): AsyncGenerator<T, void, undefined> {
  let number = 0;
  for await (const line of readLines(streamOrEmpty(body, "readNdjson"), options)) {
    number++;
    if (line.trim() === "") continue;
    try {
      yield JSON.parse(line) as T;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
      throw new SyntaxError(`sluice: NDJSON line ${number} is not JSON (${error.message}): ${shown}`, { cause: error });
    }
  }
}

/**
 * The events of one `text/event-stream` response, parsed by eventsource-parser exactly as
 * an `EventSource` would (comments and keep-alives are skipped). `event` is `undefined` for
 * a plain message; `lastEventId` is the WHATWG last event ID as of each event, and the
 * returned generator's `lastEventId` is where to resume once the loop ends (an id-only
 * block at the end included). It reads one response: to reconnect and resume, use
 * {@link connectEvents}.
 * @example
 * ```ts
 * for await (const { event, data } of readEvents(await fetch("/chat", { method: "POST", body }))) {
 *   if (event === "token") output.append(JSON.parse(data).text);
 * }
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function readEvents(
  body: ReadableBody,
  options: EventOptions = {},
): AsyncGenerator<ReadEvent, void, undefined> & { readonly lastEventId: string | undefined } {
  const max = checkNonNegative("maxEventSize", options.maxEventSize, "characters") ?? DEFAULT_MAX_LINE;
  const state: { lastEventId: string | undefined } = { lastEventId: undefined };
  const events = eventsOf(body, max, state);
  Object.defineProperty(events, "lastEventId", { get: () => state.lastEventId, enumerable: true });
  return events as AsyncGenerator<ReadEvent, void, undefined> & { readonly lastEventId: string | undefined };
}

async function* eventsOf(
  body: ReadableBody,
  max: number,
  state: { lastEventId: string | undefined },
): AsyncGenerator<ReadEvent, void, undefined> {
  const events: ReadEvent[] = [];
  let oversize = false;
  const parser = createParser({
    maxBufferSize: max,
    onId: (id) => {
      state.lastEventId = id;
    },
    onEvent: (event) => events.push({ ...event, lastEventId: state.lastEventId ?? "" }),
    onError: (error) => {
      if (error.type === "max-buffer-size-exceeded") oversize = true;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of readChunks(streamOrEmpty(body, "readEvents"))) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (oversize) throw tooLong("an event", "maxEventSize", max);
    while (events.length > 0) yield events.shift()!;
  }
}

/** The byte stream of `body`; `undefined` for a response without one (e.g. 204). */
function streamOf(body: ReadableBody, reader: string): ReadableStream<Uint8Array> | undefined {
  if (body instanceof Response) {
    if (!body.ok) {
      // Its body is an error page nobody will read: cancel it, so the connection is let go.
      body.body?.cancel().catch(() => {});
      throw new ResponseStatusError(body);
    }
    if (body.bodyUsed) throw new TypeError(`sluice: ${reader}() got a Response whose body was already read.`);
    return body.body ?? undefined;
  }
  if (typeof (body as ReadableStream | undefined)?.getReader === "function") {
    if (body.locked) throw new TypeError(`sluice: ${reader}() got a ReadableStream that is already being read (locked).`);
    return body;
  }
  throw new TypeError(`sluice: ${reader}() takes a Response or a ReadableStream<Uint8Array>, got ${describe(body)}.`);
}

function streamOrEmpty(body: ReadableBody, reader: string): ReadableStream<Uint8Array> {
  return streamOf(body, reader) ?? new ReadableStream({ start: (controller) => controller.close() });
}
