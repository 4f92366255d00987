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

const { Z_SYNC_FLUSH: SYNC_FLUSH, Z_FINISH: FINISH } = zlib.constants;

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
        return new ZlibCompressor(zlib.createGzip(deflateOptions()), SYNC_FLUSH, FINISH);
      case "deflate":
        return new ZlibCompressor(zlib.createDeflate(deflateOptions()), SYNC_FLUSH, FINISH);
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
          zlib.constants.BROTLI_OPERATION_FLUSH,
          zlib.constants.BROTLI_OPERATION_FINISH,
        );
    }
  };
}

type Stream = zlib.Gzip | zlib.Deflate | zlib.BrotliCompress;

/**
 * Chunks up to this many bytes are compressed on the calling thread; larger ones in
 * node:zlib's thread pool. An event is tens to hundreds of bytes and takes microseconds
 * to compress, while a trip through the thread pool and back waits behind every other
 * stream's (100 streams flushing at once: p99 latency 9.4 ms against 2.8 ms
 * uncompressed, `npm run bench -- --only compression`; on this thread: within 1 ms of
 * uncompressed). Larger chunks are what a fast producer's joined events become (up to
 * 16 KiB, see README, "Streams"): there throughput counts, and the pool compresses
 * them beside the event loop (all on the event loop: 0.62 of uncompressed events/s,
 * against 0.71 with this bound). 4 KiB compresses in well under 0.1 ms.
 */
export const SYNC_MAX = 4 * 1024;

/**
 * The native handle inside a node:zlib stream and what it reports after a write. Not a
 * public API, but the one `zlib.gzipSync` and the other one-shot functions run on, with
 * this shape since Node 10 and the same in Deno's and Bun's node:zlib (the compress
 * tests run on each). A stream without it is written through the stream
 * (asynchronously) only.
 */
interface Native {
  _handle?: {
    writeSync(
      flush: number,
      input: Uint8Array,
      inOff: number,
      inLen: number,
      out: Uint8Array,
      outOff: number,
      outLen: number,
    ): void;
  };
  /** [output space left, input left] after the last write. */
  _writeState?: unknown;
}

/**
 * Where every synchronous write puts its output before it is copied out: one for the
 * process, as a synchronous write ends before anything else runs.
 */
const scratch = new Uint8Array(SYNC_MAX + 1024);

/**
 * A function that writes a chunk to `stream`'s native handle with a flush and returns
 * the output at once, on this thread: what node:zlib's synchronous path does for
 * `zlib.gzipSync`, without closing the stream after. `undefined` where the runtime's
 * node:zlib has no such handle. Works for compressing and decompressing streams alike;
 * throws if the write fails (the stream is destroyed at once, its error event later).
 */
export function syncWriter(
  stream: zlib.Gzip | zlib.Deflate | zlib.BrotliCompress | zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress,
): ((chunk: Uint8Array, flush: number) => Uint8Array[]) | undefined {
  const { _handle: handle, _writeState: state } = stream as unknown as Native;
  if (typeof handle?.writeSync !== "function" || !(state instanceof Uint32Array) || state.length !== 2) return undefined;
  let failure: unknown;
  stream.on("error", (error) => (failure = error));
  return (chunk, flush) => {
    const out: Uint8Array[] = [];
    let offset = 0;
    let left = chunk.byteLength;
    for (;;) {
      handle.writeSync(flush, chunk, offset, left, scratch, 0, scratch.byteLength);
      if (stream.destroyed) throw failure ?? new Error("sluice: the zlib stream failed.");
      const [space = 0, inputLeft = 0] = state;
      if (space < scratch.byteLength) out.push(scratch.slice(0, scratch.byteLength - space));
      offset += left - inputLeft;
      left = inputLeft;
      if (space !== 0) return out; // output space to spare: everything is out
    }
  };
}

/**
 * One node:zlib stream. A small chunk is written to its native handle at once, with the
 * flush (as `zlib.gzipSync` does, without closing it); a large one through the stream,
 * whose output is taken from `data` events, which come before the write's callback (the
 * stream flows, so nothing is buffered in it).
 */
class ZlibCompressor implements Compressor {
  readonly #stream: Stream;
  readonly #writeSync: ((chunk: Uint8Array, flush: number) => Uint8Array[]) | undefined;
  readonly #flush: number;
  readonly #finish: number;
  #out: Uint8Array[] = [];
  #failure: unknown;

  constructor(stream: Stream, flush: number, finish: number) {
    this.#stream = stream;
    this.#writeSync = syncWriter(stream);
    this.#flush = flush;
    this.#finish = finish;
    stream.on("data", (chunk: Uint8Array) => this.#out.push(chunk));
    stream.on("error", (error) => (this.#failure = error));
  }

  write(chunk: Uint8Array): Promise<Uint8Array[]> {
    if (this.#writeSync && chunk.byteLength <= SYNC_MAX) {
      try {
        return Promise.resolve(this.#writeSync(chunk, this.#flush));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise((resolve, reject) => {
      this.#stream.write(chunk, (error) => (error ? reject(error) : resolve(this.#take())));
    });
  }

  end(): Promise<Uint8Array[]> {
    if (this.#writeSync) {
      try {
        return Promise.resolve(this.#writeSync(EMPTY, this.#finish));
      } catch (error) {
        return Promise.reject(error);
      }
    }
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

const EMPTY = new Uint8Array(0);
