/**
 * Turns every kind of {@link Source} into one small cursor the body pulls from.
 * @module
 */
import { describe } from "./_messages.ts";
import type { Source } from "./types.ts";

/** What the body needs of a source: the next item, and a way to stop it early. */
export interface Cursor<T> {
  /** A sync iterator answers at once; everything else answers with a promise. */
  next(): IteratorResult<T> | Promise<IteratorResult<T>>;
  /** Stops the source early: `return()` of an iterator, `cancel()` of a stream. */
  close(reason: unknown): unknown;
  /**
   * Its bytes are the consumer's once handed over (a stream's chunks were enqueued, so
   * given away); an iterator's may be its producer's memory, filled again on `next()`.
   */
  readonly owned?: boolean;
  /**
   * Whether `next()` would answer at once. A cursor that can tell (a topic's reader) saves
   * a pull from asking for an item that is not there, which costs it a wait it must then
   * undo; `undefined`: ask.
   */
  ready?(): boolean;
  /**
   * With {@link Cursor.ready}: calls `waiter.wake()` once `ready()` turns true (or the
   * cursor ends), so a body waits for it without a promise per item. Asked again before
   * it woke, it wakes once.
   */
  wait?(waiter: { wake(): void }): void;
}

/**
 * A checked source, not yet started: `open` it on the first pull (so nothing runs before
 * the body is read), or `discard` it if the body ends first (a HEAD, a client gone before
 * the first read, a shutdown), so what it holds open is let go.
 */
export interface PreparedSource<T> {
  /** `signal` is given to a source that is {@link PreparedSource.signalled}, and only to it. */
  open(signal?: AbortSignal): Cursor<T>;
  /** `open` passes its signal on (a producer function's): only then is one made for it. */
  readonly signalled?: boolean;
  /** Closes a source that was never opened: cancels a stream, destroys a Node stream, returns an iterator. */
  discard(reason: unknown): void;
}

/**
 * A source sluice made itself that is already a cursor (a topic's reader, which answers
 * at once when an event is there and with a promise when it must wait): streamed as it
 * is, and closed if the body ends before reading it.
 */
export class CursorSource<T> implements PreparedSource<T> {
  readonly cursor: Cursor<T>;

  constructor(cursor: Cursor<T>) {
    this.cursor = cursor;
  }

  open(): Cursor<T> {
    return this.cursor;
  }

  discard(reason: unknown): void {
    settle(() => this.cursor.close(reason));
  }
}

/**
 * Checks `source` now, so a wrong kind of value throws where it was passed in, and
 * returns how to open it later (or let it go unread).
 */
export function prepareSource<T>(source: Source<T> | CursorSource<T>, what = "source"): PreparedSource<T> {
  if (source instanceof CursorSource) return source; // already prepared: no object or closures more per body
  if (typeof source === "function") {
    return {
      signalled: true,
      open(signal) {
        const made: unknown = (source as (signal: AbortSignal) => unknown)(signal!);
        if (isThenable(made)) return deferredCursor(made, signal!);
        return prepareSource(made as Source<T>, "value returned by the producer function").open(signal);
      },
      discard() {}, // never called: it made nothing
    };
  }
  if (isSingleChunk(source)) {
    const one = source as T;
    return { open: () => iteratorCursor([one][Symbol.iterator]()), discard() {} };
  }
  if (isReadableStream(source)) {
    if (source.locked) {
      throw new TypeError(
        `sluice: the ${what} is a ReadableStream that is locked (already being read). ` +
          `Pass a stream nobody has called getReader() or pipeTo() on, or tee() it first.`,
      );
    }
    return {
      open: () => streamCursor(source as ReadableStream<T>),
      discard: (reason) => settle(() => source.cancel(reason)),
    };
  }
  const discard = (reason: unknown) => discardIterable(source, reason);
  if (source != null && typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === "function") {
    return { open: () => iteratorCursor((source as AsyncIterable<T>)[Symbol.asyncIterator]()), discard };
  }
  if (source != null && typeof (source as Iterable<T>)[Symbol.iterator] === "function") {
    return { open: () => iteratorCursor((source as Iterable<T>)[Symbol.iterator]()), discard };
  }
  throw new TypeError(
    `sluice: the ${what} is ${describe(source)}, which cannot be streamed. Pass an async ` +
      `iterable (an async generator), an iterable, a ReadableStream, or a function ` +
      `(signal) => iterable.`,
  );
}

/**
 * Lets go of an iterable that was never iterated. A Node stream (an async iterable with
 * `destroy()`, e.g. `fs.createReadStream`) holds a file or a socket from the moment it is
 * made, and its iterator's `return()` does nothing before the first `next()`: destroy it.
 * An iterator (a generator object, an iterator written by hand) gets its `return()`. An
 * iterable that only makes iterators (an array, a Set) holds nothing yet.
 */
function discardIterable(source: unknown, reason: unknown): void {
  const candidate = source as { destroy?: () => void; next?: unknown; return?: (value?: unknown) => unknown };
  if (typeof candidate.destroy === "function") settle(() => candidate.destroy!());
  else if (typeof candidate.next === "function" && typeof candidate.return === "function")
    settle(() => candidate.return!(reason));
}

/** Runs `close`; a throw or a rejection is the source's own failure, and is not left unhandled. */
export function settle(close: () => unknown): void {
  try {
    const closing = close();
    if (isThenable(closing)) closing.then(undefined, () => {});
  } catch {
    // The body has ended either way.
  }
}

/** A string or bytes given as the whole source is one chunk, never iterated per element. */
function isSingleChunk(value: unknown): boolean {
  return typeof value === "string" || ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

function isReadableStream(value: unknown): value is ReadableStream<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ReadableStream).getReader === "function" &&
    typeof (value as ReadableStream).cancel === "function" &&
    "locked" in value
  );
}

/** @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
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
    owned: true,
  };
}

/** A producer written as `async (signal) => response.body`: wait for it, then stream it. */
function deferredCursor<T>(made: PromiseLike<unknown>, signal: AbortSignal): Cursor<T> {
  let inner: Cursor<T> | undefined;
  let closed: { reason: unknown } | undefined;
  const ready = Promise.resolve(made).then((value) => {
    inner = prepareSource(value as Source<T>, "value the producer function resolved to").open(signal);
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
    get owned() {
      return inner?.owned === true;
    },
  };
}
