/**
 * `toStream`: any source as a pull-based `ReadableStream<Uint8Array>`.
 * @module
 */
import { createBody } from "./_body.ts";
import { encodeChunk } from "./_encode.ts";
import type { Chunk, Source, StreamOptions } from "./types.ts";

/**
 * Makes a pull-based byte stream of `source`: the source's `next()` is called only from
 * the stream's `pull`, so a consumer that stops reading stops the producer. Items that
 * are ready at once are joined into one chunk; an item that took a real wait is sent
 * alone, at once.
 *
 * Consumer `cancel()`, `signal` abort, `timeout` and `writeTimeout` all end the source the
 * same way: the producer's `AbortSignal` is aborted and the iterator's `return()` runs,
 * so its `finally` blocks do. A source that throws errors the stream (never a clean end)
 * unless `onError` returns a last chunk.
 *
 * @example
 * ```ts
 * const body = toStream(async function* (signal) {
 *   for await (const row of db.query("select ...", { signal })) yield row.line + "\n";
 * }, { signal: request.signal });
 * return new Response(body);
 * ```
 * @see https://streams.spec.whatwg.org/#rs-model
 */
export function toStream(source: Source<Chunk>, options?: StreamOptions): ReadableStream<Uint8Array> {
  return createBody(source, options, { encode: encodeChunk });
}
