/**
 * Source -> `ReadableStream<Uint8Array>`: pull, coalescing, cancellation, timeouts, errors.
 * @module
 */
import { encodeChunk } from "./encode.ts";
import { Body, type BodyConfig, type BodyControl } from "./engine.ts";
import { checkNonNegative, describe } from "./errors.ts";
import { prepareSource } from "./source.ts";
import type { Chunk, Source, StreamOptions } from "./types.ts";

const DEFAULT_WRITE_TIMEOUT = 30_000;

export type { BodyConfig, BodyControl } from "./engine.ts";

const controls = new WeakMap<ReadableStream<Uint8Array>, BodyControl>();

/** The {@link BodyControl} of a body made by sluice, or `undefined` for any other stream. @internal */
export function controlOf(body: ReadableStream<Uint8Array> | null): BodyControl | undefined {
  return body ? controls.get(body) : undefined;
}

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

/** The options of a body whose items are `T`: its `onError` returns one more `T`. */
export type BodyOptions<T> = Omit<StreamOptions, "onError"> & { onError?: ((error: unknown) => T | void) | undefined };

/** {@link toStream} with a custom encoder and keep-alive; the engine of every response. */
export function createBody<T>(source: Source<T>, options: BodyOptions<T> = {}, config: BodyConfig<T>): ReadableStream<Uint8Array> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`sluice: options must be an object, got ${describe(options)}.`);
  }
  const { signal, onError } = options;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`sluice: \`signal\` must be an AbortSignal (e.g. request.signal), got ${describe(signal)}.`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(`sluice: \`onError\` must be a function (error) => lastChunk, got ${describe(onError)}.`);
  }
  const body = new Body(prepareSource(source), {
    signal,
    onError,
    timeout: checkNonNegative("timeout", options.timeout, "ms"),
    writeTimeout: checkNonNegative("writeTimeout", options.writeTimeout, "ms") ?? DEFAULT_WRITE_TIMEOUT,
    highWaterMark: checkNonNegative("highWaterMark", options.highWaterMark, "bytes") ?? 0,
  }, config);
  const stream = new ReadableStream<Uint8Array>(
    body,
    body.highWaterMark > 0
      ? { highWaterMark: body.highWaterMark, size: (chunk: Uint8Array) => chunk.byteLength }
      : { highWaterMark: 0 },
  );
  body.stream = stream;
  controls.set(stream, body);
  return stream;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" && value !== null &&
    typeof (value as AbortSignal).addEventListener === "function" && "aborted" in value
  );
}
