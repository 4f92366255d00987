/**
 * "sluice/client": read streamed responses with `for await`. Leaving the loop early
 * cancels the body, so the server's producer stops too.
 * @module
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ResponseStatusError } from "./errors.ts";
import { describe } from "./_messages.ts";

export type { EventSourceMessage } from "eventsource-parser";

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

/**
 * The lines of a UTF-8 body, split on LF or CRLF, without the line break. A last line
 * without a line break is kept.
 * @example
 * ```ts
 * for await (const line of readLines(await fetch("/logs"))) console.log(line);
 * ```
 */
export async function* readLines(body: ReadableBody): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of readChunks(streamOrEmpty(body, "readLines"))) {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      yield pending.slice(0, pending.charCodeAt(newline - 1) === 13 ? newline - 1 : newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  }
  pending += decoder.decode();
  if (pending !== "") yield pending.endsWith("\r") ? pending.slice(0, -1) : pending;
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
export async function* readNdjson<T = unknown>(body: ReadableBody): AsyncGenerator<T, void, undefined> {
  let number = 0;
  for await (const line of readLines(streamOrEmpty(body, "readNdjson"))) {
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
 * The events of a `text/event-stream` body, parsed by eventsource-parser exactly as an
 * `EventSource` would (comments and keep-alives are skipped). `event` is `undefined` for
 * a plain message.
 * @example
 * ```ts
 * for await (const { event, data } of readEvents(await fetch("/chat", { method: "POST", body }))) {
 *   if (event === "token") output.append(JSON.parse(data).text);
 * }
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export async function* readEvents(body: ReadableBody): AsyncGenerator<EventSourceMessage, void, undefined> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of readChunks(streamOrEmpty(body, "readEvents"))) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (events.length > 0) yield events.shift()!;
  }
}

/** The byte stream of `body`; `undefined` for a response without one (e.g. 204). */
function streamOf(body: ReadableBody, reader: string): ReadableStream<Uint8Array> | undefined {
  if (body instanceof Response) {
    if (!body.ok) throw new ResponseStatusError(body);
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
