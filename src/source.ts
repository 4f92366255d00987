/**
 * Turns every kind of {@link Source} into one small cursor the body pulls from.
 * @module
 */
import { describe } from "./errors.ts";
import type { Source } from "./types.ts";

/** What the body needs of a source: the next item, and a way to stop it early. */
export interface Cursor<T> {
  /** A sync iterator answers at once; everything else answers with a promise. */
  next(): IteratorResult<T> | Promise<IteratorResult<T>>;
  /** Stops the source early: `return()` of an iterator, `cancel()` of a stream. */
  close(reason: unknown): unknown;
}

/** Opens a cursor; called on the first pull, so nothing runs before the body is read. */
export type OpenCursor<T> = (signal: AbortSignal) => Cursor<T>;

/**
 * Checks `source` now, so a wrong kind of value throws where it was passed in, and
 * returns the function that opens it later.
 */
export function prepareSource<T>(source: Source<T>, what = "source"): OpenCursor<T> {
  if (typeof source === "function") {
    return (signal) => {
      const made: unknown = (source as (signal: AbortSignal) => unknown)(signal);
      if (isThenable(made)) return deferredCursor(made, signal);
      return prepareSource(made as Source<T>, "value returned by the producer function")(signal);
    };
  }
  if (isSingleChunk(source)) {
    const one = source as T;
    return () => iteratorCursor([one][Symbol.iterator]());
  }
  if (isReadableStream(source)) {
    if (source.locked) {
      throw new TypeError(
        `sluice: the ${what} is a ReadableStream that is locked (already being read). ` +
          `Pass a stream nobody has called getReader() or pipeTo() on, or tee() it first.`,
      );
    }
    return () => streamCursor(source as ReadableStream<T>);
  }
  if (source != null && typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === "function") {
    return () => iteratorCursor((source as AsyncIterable<T>)[Symbol.asyncIterator]());
  }
  if (source != null && typeof (source as Iterable<T>)[Symbol.iterator] === "function") {
    return () => iteratorCursor((source as Iterable<T>)[Symbol.iterator]());
  }
  throw new TypeError(
    `sluice: the ${what} is ${describe(source)}, which cannot be streamed. Pass an async ` +
      `iterable (an async generator), an iterable, a ReadableStream, or a function ` +
      `(signal) => iterable.`,
  );
}

/** A string or bytes given as the whole source is one chunk, never iterated per element. */
function isSingleChunk(value: unknown): boolean {
  return typeof value === "string" || ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

function isReadableStream(value: unknown): value is ReadableStream<unknown> {
  return (
    typeof value === "object" && value !== null &&
    typeof (value as ReadableStream).getReader === "function" &&
    typeof (value as ReadableStream).cancel === "function" &&
    "locked" in value
  );
}

/** @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

function iteratorCursor<T>(iterator: Iterator<T> | AsyncIterator<T>): Cursor<T> {
  return {
    next: () => iterator.next(),
    close: (reason) => iterator.return?.(reason as T),
  };
}

function streamCursor<T>(stream: ReadableStream<T>): Cursor<T> {
  const reader = stream.getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<T>>,
    close: (reason) => reader.cancel(reason),
  };
}

/** A producer written as `async (signal) => response.body`: wait for it, then stream it. */
function deferredCursor<T>(made: PromiseLike<unknown>, signal: AbortSignal): Cursor<T> {
  let inner: Cursor<T> | undefined;
  let closed: { reason: unknown } | undefined;
  const ready = Promise.resolve(made).then((value) => {
    inner = prepareSource(value as Source<T>, "value the producer function resolved to")(signal);
    if (closed) void Promise.resolve(inner.close(closed.reason)).catch(() => {});
    return inner;
  });
  ready.catch(() => {}); // the first next() reports it
  return {
    next: () => (inner ? inner.next() : ready.then((cursor) => cursor.next())),
    close: (reason) => {
      closed = { reason };
      return inner?.close(reason);
    },
  };
}
