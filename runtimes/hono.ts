/**
 * sluice in Hono. A Hono handler may `return streamingResponse(...)` (or any sluice
 * response) as it is; `handle()` here also lets it return a generator, an async
 * iterable, a string or an object, streamed with `c.req.raw.signal` wired in.
 * @module
 */
import type { Context } from "hono";
import { describe } from "../src/_messages.ts";
import { headersOnly } from "../src/_kit/exchange.ts";
import { toResponse } from "../src/response.ts";

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
