/**
 * The public types of the core, declared once.
 * @module
 */

/**
 * One piece of a streamed body. A string is sent as UTF-8, bytes as they are, and a
 * number, bigint or boolean as `String(x)`. Objects are not chunks: send them with
 * `ndjsonResponse` or `JSON.stringify` them.
 */
export type Chunk = string | ArrayBufferView | ArrayBuffer | number | bigint | boolean;

/**
 * A function that makes the source when the body is first read. The `signal` is aborted
 * when the stream ends early for any reason (consumer gone, timeout, shutdown, a source
 * error), so work the producer awaits can stop at once. It may also return a
 * `ReadableStream`, or a promise of any of these (`async (signal) => upstream.body`).
 */
export type Producer<T> = (signal: AbortSignal) => ProducedSource<T> | PromiseLike<ProducedSource<T>>;

/** What a {@link Producer} returns. */
export type ProducedSource<T> = AsyncIterable<T> | Iterable<T> | ReadableStream<T>;

/** Anything sluice can stream. */
export type Source<T> = AsyncIterable<T> | Iterable<T> | ReadableStream<T> | Producer<T>;

/** How a body is driven. Every field is optional. */
export interface StreamOptions {
  /** Usually `request.signal`: its abort stops the source. */
  signal?: AbortSignal;
  /** ms: the total lifetime of the body; then it ends as an error. 0 or absent: none. */
  timeout?: number;
  /**
   * ms the consumer may take nothing before the stream is ended as an error (a stalled
   * client). Progress is counted in pieces of at most 64 KiB, so a client that reads a
   * large chunk slowly but steadily is not cut off. Default 30_000; 0 = wait forever.
   */
  writeTimeout?: number;
  /** Bytes produced ahead of the consumer. Default 0: produce only when asked. */
  highWaterMark?: number;
  /**
   * Called when the source throws (or the `timeout` passes). Return a last item to send
   * before the body ends cleanly; it is encoded like the body's other items (an SSE event
   * object for `sseResponse`, any JSON value for `ndjsonResponse`, a chunk otherwise).
   * Return nothing to error the body, which the runtime turns into an aborted response.
   * The error's message is never sent unless this returns it.
   */
  onError?: (error: unknown) => Chunk | void;
}

/** `ResponseInit` plus the {@link StreamOptions} of the body. */
export interface StreamingResponseInit extends ResponseInit, StreamOptions {}

/**
 * A {@link StreamingResponseInit} whose `onError` returns an item of type `T`, encoded
 * like the body's other items.
 */
export type ItemResponseInit<T> = Omit<StreamingResponseInit, "onError"> & {
  /** Called when the source throws (or `timeout` passes): a last item to send, or nothing to error the body. */
  onError?: (error: unknown) => T | void;
};

/** What `fileResponse` needs of a file. A `Blob` or `File` is one; so is each runtime's `openFile()`. */
export interface FileLike {
  size: number;
  type?: string;
  name?: string;
  /** ms since the epoch. */
  lastModified?: number;
  slice(start?: number, end?: number): { stream(): ReadableStream<Uint8Array> };
}
