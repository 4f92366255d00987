/**
 * What a body is to the code around it: what a kind of body adds to the engine
 * (`BodyConfig`), what adapters may do to a body (`BodyControl`), and its options. Types
 * only, so the engine and everything that makes bodies depend on this, not on each other.
 * @module
 */
import type { DirectReader } from "./_direct.ts";
import type { Encoder } from "./_encode.ts";
import type { FileLike, StreamOptions } from "./types.ts";

/** The bytes of a file a body streams (end exclusive), for adapters that can send it natively. */
export interface FileRange {
  file: FileLike;
  start: number;
  end: number;
}

/** What a kind of body adds to the engine: how it encodes items, and what fills silence. */
export interface BodyConfig<T> {
  encode: Encoder<T>;
  /** After `ms` of producer silence while the consumer waits, send a copy of `chunk` (SSE keep-alive). */
  idle?: { ms: number; chunk: Uint8Array } | undefined;
  /** false: every item is its own chunk (file slices are already sized, joining would copy). */
  join?: boolean;
  /** true: the source never fills again what it yielded (file slices), so nothing is copied to keep it. */
  owned?: boolean;
  /** The file range this body streams: a runtime may send the file itself instead. */
  file?: FileRange;
}

/**
 * What runtime adapters may do to a body sluice made, without wrapping it (a wrapper
 * would cost a stream hop per chunk).
 * @internal
 */
export interface BodyControl {
  /** Ends the body as an error with `reason` and stops its source (server shutdown). */
  abort(reason: unknown): void;
  /** "done" once closed cleanly; "failed" once errored or cancelled. */
  readonly state: "open" | "done" | "failed";
  /**
   * What the body failed with when its source threw or its `timeout` passed (and
   * `onError` gave no last chunk); `undefined` otherwise, cancellations included.
   */
  readonly failure: unknown;
  /** ms a produced chunk may wait for the consumer (its `writeTimeout`; 0: none), for a body that wraps it. */
  readonly writeTimeout: number;
  /** The file range the body streams, if `fileResponse` made it. */
  readonly file: FileRange | undefined;
  /**
   * Sends `chunk` on the first pull if the source has nothing ready by then (Bun holds
   * headers until the first byte); a source with bytes ready sends those first instead.
   */
  prime(chunk: Uint8Array): void;
  /** Calls `listener` once when the body ends in any way (at once if it has). */
  onEnd(listener: () => void): void;
  /**
   * Calls `listener` when the stream's consumer cancels the body, before its source is
   * stopped, so an adapter can end it first with a reason of its own: a runtime that
   * cancels a body only when its client has gone gives a reason of its own making
   * (Deno's "resource closed"), which must not reach the producer instead of "disconnect".
   */
  onCancel(listener: () => void): void;
  /**
   * Resolves once the body has ended and its source has finished too: a stopped
   * generator's `return()` settles only when it reaches its next `yield` and its
   * `finally` has run, which can be long after the body ended. Never rejects.
   */
  settled(): Promise<void>;
  /**
   * Says the stream's consumer copies each chunk (or is done with it) before it pulls the
   * next, so memory a producer lends need not be copied for it (measured per runtime: Bun
   * and workerd do; Deno writes a chunk after it has pulled the next).
   */
  consumerCopies(): void;
  /**
   * Reads the body without its `ReadableStream` (which is locked so nobody else can):
   * one promise per chunk instead of the stream's reader machinery. `undefined` once
   * reading has begun the standard way, or with a highWaterMark.
   */
  takeOver(): DirectReader | undefined;
}

/**
 * The options of a body whose items are `T`: its `onError` returns one more `T`. A field
 * may be `undefined` (absent), so a caller passes on the fields it was given as they are.
 */
export type BodyOptions<T> = { [K in Exclude<keyof StreamOptions, "onError">]?: StreamOptions[K] | undefined } & {
  onError?: ((error: unknown) => T | void) | undefined;
};

/** A body's checked options. */
export interface Settings {
  signal: AbortSignal | undefined;
  /** Returns a last item, encoded as the body's own items are. */
  onError: ((error: unknown) => unknown) | undefined;
  timeout: number | undefined;
  writeTimeout: number;
  highWaterMark: number;
}
