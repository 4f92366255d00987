/**
 * sluice in Hono. A Hono handler may `return streamingResponse(...)` (or any sluice
 * response) as it is; `handle()` here also lets it return a generator, an async
 * iterable, a string or an object, streamed with `c.req.raw.signal` wired in.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { describe } from "../src/_messages.ts";
import { headersOnly } from "../src/_kit/exchange.ts";
import { toResponse } from "../src/response.ts";
import { compressResponse, type CompressSettings } from "../src/_kit/compressed.ts";
import { checkCompressOptions, type CompressOptions } from "./_zlib/options.ts";

export type { CompressOptions } from "./_zlib/options.ts";
export type { Coding } from "../src/_kit/encoding.ts";

/**
 * Wraps a Hono handler so whatever it returns becomes a Response by the rules of
 * `toResponse`: a generator streams (and stops when the client leaves), a string is text,
 * an object is JSON, a Response is kept.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { handle } from "sluice/hono";
 * const app = new Hono();
 * app.get("/count", handle(async function* (c) {
 *   for (let i = 0; i < Number(c.req.query("n") ?? 10); i++) yield `${i}\n`;
 * }));
 * ```
 */
export function handle<C extends Context = Context>(fn: (c: C) => unknown): (c: C) => Promise<Response> {
  if (typeof fn !== "function") {
    throw new TypeError(`sluice: handle() takes a Hono handler (c) => value, got ${describe(fn)}.`);
  }
  return async (c) => {
    const response = toResponse(await fn(c), { signal: c.req.raw.signal });
    // Hono answers HEAD with the GET route and drops the body unread: stop its producer.
    return c.req.method === "HEAD" ? headersOnly(response) : response;
  };
}

/**
 * Hono middleware that compresses responses the way `compress(handler)` of `sluice/node`
 * does: br, gzip or deflate by `Accept-Encoding`, flushed after every chunk, so streams
 * (SSE included, which Hono's own `compress()` leaves alone) arrive compressed with no
 * delay; backpressure and cancellation still reach the producer. It uses `node:zlib`,
 * loaded on the first request (tested on Node; Deno and Bun provide it too). Use it
 * instead of `hono/compress`, not with it: a response that already has a
 * `Content-Encoding` is left alone.
 *
 * @example
 * ```ts
 * import { compress } from "sluice/hono";
 * app.use(compress());
 * app.get("/events", (c) => sseResponse(ticks(), { signal: c.req.raw.signal }));
 * ```
 */
export function compress(options: CompressOptions = {}): MiddlewareHandler {
  const { zlib, ...settings } = checkCompressOptions(options);
  let create: Promise<CompressSettings["create"]> | undefined;
  return async (c, next) => {
    await next();
    create ??= import("./_zlib/compressor.ts").then((module) => module.zlibCompressors(zlib));
    const response = compressResponse(c.req.raw, c.res, { ...settings, create: await create });
    if (response === c.res) return;
    // Hono's `c.res =` copies the old response's headers over the new one's (a stale
    // Content-Length, Content-Encoding or strong ETag would come back): set them again.
    const headers = response.headers;
    c.res = response;
    for (const name of ["content-length", "content-encoding", "etag"]) c.res.headers.delete(name);
    for (const [name, value] of headers) if (name !== "set-cookie") c.res.headers.set(name, value);
  };
}
