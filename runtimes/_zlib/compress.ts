/**
 * `compress(handler)` of `sluice/node`, `sluice/deno` and `sluice/bun`.
 * @module
 */
import { checkHandler, type FetchHandler } from "../../src/_kit/serve.ts";
import { compressResponse } from "../../src/_kit/compressed.ts";
import { zlibCompressors } from "./compressor.ts";
import { checkCompressOptions, type CompressOptions } from "./options.ts";

export type { CompressOptions } from "./options.ts";

/**
 * Wraps `handler` so its responses go out compressed (br, gzip or deflate, as the
 * client's `Accept-Encoding` prefers), with the compressor flushed after every chunk the
 * body hands over: an event reaches the client as soon as it would uncompressed.
 * Backpressure and cancellation reach the producer through it; a body that fails is cut
 * off, never finished as a valid compressed stream. Left as they are: responses that
 * already have a `Content-Encoding`, 206 and other range responses, files that serve
 * ranges, bodies whose `Content-Length` is below `threshold`, and types that do not
 * compress (images, video, `application/octet-stream`…). `Cache-Control: no-transform`
 * does not stop it: that binds proxies, and this is the origin choosing its encoding.
 *
 * @example
 * ```ts
 * import { compress, serve } from "sluice/node";
 * await serve(compress((request) => sseResponse(ticks(), { signal: request.signal })), { port: 8000 });
 * ```
 */
export function compress(handler: FetchHandler, options: CompressOptions = {}): FetchHandler {
  checkHandler(handler, "(request) => Response to compress(handler, options)");
  const { zlib, ...rest } = checkCompressOptions(options);
  const settings = { ...rest, create: zlibCompressors(zlib) };
  return async (request) => {
    const response = await handler(request);
    return response instanceof Response ? compressResponse(request, response, settings) : response;
  };
}
