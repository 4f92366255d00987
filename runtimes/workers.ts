/**
 * sluice on Cloudflare Workers (workerd): `export default worker(handler)`.
 *
 * workerd does not cancel a response body when the client leaves, and drops the
 * request's timers once it has gone, so a producer would hang forever without its
 * `finally`. The adapter keeps the request alive until the body ends
 * (`ctx.waitUntil`) and ends the stream from `request.signal`, which workerd aborts on
 * disconnect only with the `enable_request_signal` compatibility flag.
 * @module
 */
import { controlOf } from "../src/body.ts";
import { asResponse, checkHandler, rejectBadUrl } from "../src/adapter.ts";

/** The part of the Workers `ExecutionContext` used here. */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** A Workers fetch handler; `env` and `ctx` are passed through. */
export type WorkerHandler<Env = unknown> = (request: Request, env: Env, ctx: WorkerContext) => Response | Promise<Response>;

/**
 * Content types a Cloudflare front end (and Miniflare) gzips when the client accepts it;
 * the compressor holds small chunks back, so streams of them are marked `identity`.
 */
const COMPRESSED = /^(text\/(plain|html|css|javascript|xml|csv)|application\/(json|javascript|xml))\b/;

/**
 * Wraps a fetch handler for `export default`.
 *
 * @example
 * ```ts
 * // wrangler.toml: compatibility_flags = ["enable_request_signal"]
 * import { worker } from "sluice/workers";
 * export default worker((request) => sseResponse(updates(), { signal: request.signal }));
 * ```
 */
export function worker<Env = unknown>(handler: WorkerHandler<Env>): {
  fetch(request: Request, env: Env, ctx: WorkerContext): Promise<Response>;
} {
  checkHandler(handler, "(request, env, ctx) => Response");
  return {
    async fetch(request, env, ctx) {
      const bad = rejectBadUrl(request);
      if (bad) return bad;
      const response = asResponse(await handler(request, env, ctx));
      const body = response.body;
      if (body === null) return response;
      if (request.method === "HEAD") {
        // workerd would read (and discard) the body for as long as the connection lasts.
        body.cancel(new Error("sluice: a HEAD response has no body")).catch(() => {});
        return new Response(null, response);
      }
      const control = controlOf(body);
      if (!control) return response;
      ctx?.waitUntil?.(new Promise<void>((resolve) => control.onEnd(resolve)));
      request.signal?.addEventListener("abort", () => control.abort(request.signal.reason), { once: true });
      const type = response.headers.get("content-type") ?? "";
      if (response.headers.has("content-encoding") || !COMPRESSED.test(type)) return response;
      const headers = new Headers(response.headers);
      headers.set("content-encoding", "identity");
      return new Response(body, { status: response.status, statusText: response.statusText, headers });
    },
  };
}
