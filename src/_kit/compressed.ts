/**
 * A response's body through a compressor that is flushed after every chunk, as a body of
 * sluice's own: pulled only when its consumer pulls (backpressure reaches the producer),
 * cancelled through to the producer, failed (never a clean end) when the original fails.
 * Portable: the runtime brings the {@link Compressor}.
 * @module
 */
import { controlOf, createBody } from "../_body.ts";
import type { Coding } from "./encoding.ts";
import { encodedHeaders, isEligible, negotiate, type Eligibility } from "./encoding.ts";
import { readerOf } from "./chunks.ts";
import { headersOnly, withBody } from "./exchange.ts";

/** One compressed stream, as a runtime makes it (node:zlib on Node, Deno and Bun). */
export interface Compressor {
  /**
   * Compresses `chunk` and flushes, so the bytes it resolves to, with those before them,
   * decode to everything written so far. An empty `chunk` gives the stream's header.
   */
  write(chunk: Uint8Array): Promise<Uint8Array[]>;
  /** Finishes the stream: its last bytes (the trailer). */
  end(): Promise<Uint8Array[]>;
  /** Frees the compressor's memory at once (it is not reused). */
  destroy(): void;
}

/** What {@link compressResponse} needs besides the exchange. */
export interface CompressSettings extends Eligibility {
  codings: readonly Coding[];
  /** Makes a compressor for `coding`. */
  create(coding: Coding): Compressor;
}

/** The writeTimeout of a body that says none (a stream not made by sluice): sluice's default. */
const DEFAULT_WRITE_TIMEOUT = 30_000;

/**
 * `response` as `compress` sends it to `request`: encoded with the coding the client
 * prefers among `settings.codings`, or as it is (see `isEligible`), with `Vary` either
 * way when it could have been. HEAD gets the headers a GET would, and no body.
 */
export function compressResponse(request: Request, response: Response, settings: CompressSettings): Response {
  if (!isEligible(response, settings)) return response;
  const coding = negotiate(request.headers.get("accept-encoding"), settings.codings);
  const headers = encodedHeaders(response, coding);
  if (request.method === "HEAD") return headersOnly(withBody(response, response.body, headers));
  if (coding === undefined) return withBody(response, response.body, headers);
  return withBody(
    response,
    compressedBody(response.body!, () => settings.create(coding)),
    headers,
  );
}

/**
 * `body` compressed, one flushed piece per chunk the original hands over. The compressor
 * is made on the first pull and destroyed when the body ends in any way. Its first piece
 * is the stream's header, sent at once: the response's first bytes then leave without
 * waiting for the producer (Bun sends no header before a body's first byte).
 */
function compressedBody(body: ReadableStream<Uint8Array>, create: () => Compressor): ReadableStream<Uint8Array> {
  const control = controlOf(body);
  const writeTimeout = control ? control.writeTimeout : DEFAULT_WRITE_TIMEOUT;
  const producer = async function* (signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const reader = readerOf(body);
    const stop = () => reader.cancel(signal.reason);
    signal.addEventListener("abort", stop, { once: true });
    const compressor = create();
    try {
      yield* await compressor.write(EMPTY);
      for (;;) {
        const chunk = await reader.read();
        if (signal.aborted) return;
        if (chunk === null) break;
        if (chunk.byteLength === 0) continue;
        yield* await compressor.write(chunk);
      }
      yield* await compressor.end();
    } finally {
      signal.removeEventListener("abort", stop);
      compressor.destroy();
    }
  };
  // The original's timeouts, keep-alives and onError still work inside it; this body's
  // own writeTimeout is the original's, as it is now this body the client stalls.
  return createBody(producer, { writeTimeout }, { encode: (bytes) => bytes, join: false, owned: true });
}

const EMPTY = new Uint8Array(0);
