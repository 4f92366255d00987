/**
 * Reading a response body chunk by chunk, as adapters that write it themselves do.
 * @module
 */
import { controlOf } from "../_body.ts";

/** A body's chunks: a sluice body read directly, or any stream through its reader. */
export interface Chunks {
  /** The next chunk, or `null` at the end; rejects with the body's error. */
  read(): Promise<Uint8Array | null>;
  cancel(reason: unknown): void;
  /** The last chunk read is the producer's memory, to be written out before the next read. */
  readonly lent?: boolean;
}

/**
 * A body sluice made is read directly (one promise per chunk, no stream reader in
 * between); any other stream through its reader.
 */
export function readerOf(body: ReadableStream<Uint8Array>): Chunks {
  const direct = controlOf(body)?.takeOver();
  if (direct) return direct;
  const reader = body.getReader();
  return {
    read: () => reader.read().then((result) => (result.done ? null : result.value)),
    cancel: (reason) => void reader.cancel(reason).catch(() => {}),
  };
}
