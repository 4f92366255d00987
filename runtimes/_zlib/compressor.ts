/**
 * A {@link Compressor} on `node:zlib`, which Node, Deno and Bun all provide with the same
 * flushes: every write is made with `Z_SYNC_FLUSH` (gzip, deflate) or
 * `BROTLI_OPERATION_FLUSH` (br), so its output is complete up to that byte. The web
 * `CompressionStream` has no flush: on Node, Bun and workerd it holds output back until
 * its block is full, which is the buffering this exists to avoid.
 * @module
 */
import zlib from "node:zlib";
import type { Compressor } from "../../src/_kit/compressed.ts";
import type { Coding } from "../../src/_kit/encoding.ts";

/** How hard and with how much memory each stream compresses; see README, "Compression and proxies". */
export interface ZlibSettings {
  /** gzip/deflate level, 1–9. Default 6. */
  level: number;
  /** gzip/deflate window, 9–15 (2^n bytes). Default 13: 8 KiB back-references cover many events. */
  windowBits: number;
  /** gzip/deflate hash memory, 1–9. Default 6. */
  memLevel: number;
  /** Brotli quality, 0–11. Default 5: higher ones search much harder per flush, for little gain on small events. */
  brotliQuality: number;
  /** Brotli window, 10–24 (2^n bytes). Default 16. */
  brotliWindow: number;
}

/**
 * Output buffer of each stream (node:zlib's `chunkSize`, default 16 KiB): a flushed event
 * is tens of bytes, and a larger output is taken in several pieces; it is memory every
 * open stream holds.
 */
const CHUNK_SIZE = 4 * 1024;

/** Makes node:zlib compressors with `settings`. */
export function zlibCompressors(settings: ZlibSettings): (coding: Coding) => Compressor {
  const deflateOptions = (): zlib.ZlibOptions => ({
    level: settings.level,
    windowBits: settings.windowBits,
    memLevel: settings.memLevel,
    chunkSize: CHUNK_SIZE,
    flush: zlib.constants.Z_SYNC_FLUSH,
  });
  return (coding) => {
    switch (coding) {
      case "gzip":
        return new ZlibCompressor(zlib.createGzip(deflateOptions()));
      case "deflate":
        return new ZlibCompressor(zlib.createDeflate(deflateOptions()));
      case "br":
        return new ZlibCompressor(
          zlib.createBrotliCompress({
            chunkSize: CHUNK_SIZE,
            flush: zlib.constants.BROTLI_OPERATION_FLUSH,
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: settings.brotliQuality,
              [zlib.constants.BROTLI_PARAM_LGWIN]: settings.brotliWindow,
              [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
            },
          }),
        );
    }
  };
}

type Stream = zlib.Gzip | zlib.Deflate | zlib.BrotliCompress;

/**
 * One node:zlib stream, read as it is written: its output is taken from `data` events,
 * which come before the write's callback (the stream flows, so nothing is buffered in it).
 */
class ZlibCompressor implements Compressor {
  readonly #stream: Stream;
  #out: Uint8Array[] = [];
  #failure: unknown;

  constructor(stream: Stream) {
    this.#stream = stream;
    stream.on("data", (chunk: Uint8Array) => this.#out.push(chunk));
    stream.on("error", (error) => (this.#failure = error));
  }

  write(chunk: Uint8Array): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      this.#stream.write(chunk, (error) => (error ? reject(error) : resolve(this.#take())));
    });
  }

  end(): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      this.#stream.once("end", () => resolve(this.#take()));
      this.#stream.once("error", reject);
      this.#stream.end();
    });
  }

  destroy(): void {
    this.#stream.destroy();
  }

  /** What the stream put out since the last take. */
  #take(): Uint8Array[] {
    if (this.#failure !== undefined) throw this.#failure;
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
