/**
 * The options of `compress` (every runtime, and the Hono middleware), checked once at
 * start-up. No `node:zlib` here: `sluice/hono` checks them where it may not be loaded.
 * @module
 */
import type { CompressSettings } from "../../src/_kit/compressed.ts";
import { CODINGS, type Coding } from "../../src/_kit/encoding.ts";
import { describe } from "../../src/_messages.ts";
import type { ZlibSettings } from "./compressor.ts";

/** Options of `compress`. Every field has a default suited to many long-lived streams. */
export interface CompressOptions {
  /** Codings offered, in the server's order of preference on a tie of q-values. Default `["gzip", "br", "deflate"]`. */
  encodings?: readonly Coding[];
  /** Bytes: a response with a `Content-Length` below this is sent as it is. Default 1024. */
  threshold?: number;
  /** gzip/deflate level, 1–9. Default 6. */
  level?: number;
  /** gzip/deflate window bits, 9–15: 2^n bytes of history, and about 2^(n+2) bytes of memory per stream. Default 13. */
  windowBits?: number;
  /** gzip/deflate hash memory, 1–9: about 2^(n+9) bytes per stream. Default 6. */
  memLevel?: number;
  /** Brotli quality, 0–11. Default 5 (see README: higher qualities cost far more per flush). */
  brotliQuality?: number;
  /** Brotli window bits, 10–24. Default 16. */
  brotliWindow?: number;
}

/** The checked settings of `options`: a value out of range fails at start-up, naming the fix. */
export function checkCompressOptions(options: CompressOptions): Omit<CompressSettings, "create"> & { zlib: ZlibSettings } {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`sluice: compress() options must be an object like { threshold: 1024 }, got ${describe(options)}.`);
  }
  const codings = options.encodings ?? CODINGS;
  if (!Array.isArray(codings) || codings.length === 0 || codings.some((coding) => !CODINGS.includes(coding))) {
    throw new TypeError(
      `sluice: compress() \`encodings\` must be a non-empty array of "br", "gzip" and "deflate", got ${describe(codings)}.`,
    );
  }
  const threshold = integer("threshold", options.threshold, 1024, 0, Number.MAX_SAFE_INTEGER);
  const zlib = {
    level: integer("level", options.level, 6, 1, 9),
    windowBits: integer("windowBits", options.windowBits, 13, 9, 15),
    memLevel: integer("memLevel", options.memLevel, 6, 1, 9),
    brotliQuality: integer("brotliQuality", options.brotliQuality, 5, 0, 11),
    brotliWindow: integer("brotliWindow", options.brotliWindow, 16, 10, 24),
  };
  return { codings, threshold, zlib };
}

function integer(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`sluice: compress() \`${name}\` must be an integer from ${min} to ${max}, got ${describe(value)}.`);
  }
  return value;
}
