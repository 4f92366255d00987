/**
 * sluice on Cloudflare Workers (workerd): `export default worker(handler)`.
 *
 * workerd does not cancel a response body when the client leaves, and drops the
 * request's timers once it has gone, so a producer would hang forever without its
 * `finally`. The adapter keeps the request alive until the body ends
 * (`ctx.waitUntil`) and ends the stream from `request.signal`, which workerd aborts on
 * disconnect only with the `enable_request_signal` compatibility flag.
 *
 * Topics shared by every instance of a Worker: `durableStore(env.TOPICS)`, with the
 * Durable Object class `TopicObject` bound as `TOPICS` (README, "Cloudflare Durable Objects").
 * @module
 */
import { controlOf } from "../src/_body.ts";
import { checkHandler } from "../src/_kit/serve.ts";
import { rejectBadRequest, withBody, type RuntimeTraits } from "../src/_kit/exchange.ts";
import { InFlight } from "../src/_kit/in-flight.ts";
import type { WorkerContext } from "./_types/workers.ts";
import { settleResponse } from "./_workers/deferred.ts";

export type { TopicNamespace, TopicObjectState, TopicStorage, WorkerContext } from "./_types/workers.ts";
export { TopicObject } from "./_workers/object.ts";
export { durableStore } from "./_workers/store.ts";

/** A Workers fetch handler; `env` and `ctx` are passed through. */
export type WorkerHandler<Env = unknown> = (request: Request, env: Env, ctx: WorkerContext) => Response | Promise<Response>;

/**
 * Content types a Cloudflare front end (and Miniflare) gzips when the client accepts it;
 * the compressor holds small chunks back, so streams of them are marked `identity`.
 */
const COMPRESSED = /^(text\/(plain|html|css|javascript|xml|csv)|application\/(json|javascript|xml))\b/;

/**
 * workerd's fetch hands a Worker the decoded body under the upstream's
 * `content-encoding`, and encodes it again when the Worker returns it: nothing to correct.
 */
const WORKERD: RuntimeTraits = { decodes: new Set() };

/**
 * How long a request is kept alive, after its body ended, for its source to finish: a
 * generator stopped while it awaits a timer returns only when the timer fires, and
 * workerd drops the timers of a request it considers done. Workers allow 30 s of
 * `waitUntil` after a response.
 */
const SETTLE_MS = 30_000;
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
export function worker<Env = unknown>(
  handler: WorkerHandler<Env>,
): {
  fetch(request: Request, env: Env, ctx: WorkerContext): Promise<Response>;
} {
  checkHandler(handler, "(request, env, ctx) => Response");
  return {
    async fetch(incoming, env, ctx) {
      const bad = rejectBadRequest(incoming);
      if (bad) return bad;
      const flight = new InFlight(incoming);
      incoming.signal?.addEventListener("abort", () => flight.clientGone(), { once: true });
      // HEAD: workerd would read (and discard) the body for as long as the connection lasts.
      // A topic reader's stand-in (durableStore) becomes its Durable Object's own response.
      const response = await flight.respond(async (request) => settleResponse(await handler(request, env, ctx)), WORKERD);
      if (response.body === null) return response;
      const control = controlOf(response.body);
      control?.consumerCopies(); // workerd copies each chunk into its own pipe before it pulls the next
      // The request is kept alive until the body has ended (workerd runs no timer of a
      // returned request otherwise, so a stream waiting on one would never produce), and
      // then until its source has finished too (a generator stopped in `await sleep()`
      // returns only when its timer fires), at most SETTLE_MS more.
      // A body from fetch() is piped by workerd itself, with no timer of ours to keep alive.
      const piped = !control && response.url !== "";
      if (piped) flight.done();
      const sent = piped ? response : flight.tracked(response);
      ctx?.waitUntil?.(flight.ended.then(() => (control ? settledWithin(control.settled(), SETTLE_MS) : undefined)));
      const type = sent.headers.get("content-type") ?? "";
      if (sent.headers.has("content-encoding") || !COMPRESSED.test(type)) return sent;
      const headers = new Headers(sent.headers);
      headers.set("content-encoding", "identity");
      return withBody(sent, sent.body, headers);
    },
  };
}

/** `settled`, or `ms` later if it takes longer. */
function settledWithin(settled: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}
