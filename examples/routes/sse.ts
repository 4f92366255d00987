/**
 * GET /sse: a simulated token stream with a ticking status, as server-sent events.
 *
 * Each connection sends `hello` (with `retry`), then `token` events with ids 1, 2, 3…
 * and a `tick` after every fifth token. It ends after `endAfter` tokens (default 20, 0 =
 * never), so a client shows itself reconnecting (the page's `connectEvents`, or any
 * `EventSource`): the reconnect carries `Last-Event-ID`, and the stream resumes right
 * after that id.
 *
 *     curl -N http://localhost:8000/sse
 *     curl -N -H 'Last-Event-ID: 8' 'http://localhost:8000/sse?endAfter=5'
 * @module
 */
import { lastEventId, sseResponse } from "../../src/index.ts";
import { sleep } from "../sleep.ts";
import type { Tracer } from "../trace.ts";
import { badRequest, countParam } from "./respond.ts";

/** ms the client waits before reconnecting, sent as `retry`. */
export const RETRY_MS = 500;
/** ms between two tokens. */
const TOKEN_INTERVAL_MS = 200;
/** A `tick` follows every token whose id is a multiple of this. */
const TICK_EVERY = 5;
/** Tokens per connection when `endAfter` is not given. */
export const DEFAULT_END_AFTER = 20;

const TEXT =
  "sluice pulls each token from the producer only when the client is ready for it. " +
  "When the server ends a stream, the client reconnects with the id of the last event " +
  "it saw, and the server resumes right after it: nothing lost, nothing repeated. ";
const TOKENS = TEXT.split(/(?<= )/);

/** The text of token `id` (1-based): the words of a short paragraph, over and over. */
export function tokenText(id: number): string {
  return TOKENS[(id - 1) % TOKENS.length]!;
}

/** Answers GET /sse; `trace` hears the `Last-Event-ID` header of every connection. */
export function sseRoute(request: Request, trace: Tracer): Response {
  const endAfter = countParam(new URL(request.url), "endAfter", DEFAULT_END_AFTER, 1_000_000);
  if (endAfter === undefined) return badRequest("endAfter must be a whole number of tokens (0 = never end).");
  const resumedAfter = parseId(lastEventId(request));
  trace({ route: "sse", lastEventIdHeader: request.headers.get("last-event-id") });

  return sseResponse(
    async function* (signal) {
      yield { retry: RETRY_MS, event: "hello", data: { resumedAfter: resumedAfter ?? null } };
      const first = (resumedAfter ?? 0) + 1;
      for (let id = first; endAfter === 0 || id < first + endAfter; id++) {
        await sleep(TOKEN_INTERVAL_MS, signal);
        yield { event: "token", id, data: tokenText(id) };
        if (id % TICK_EVERY === 0) yield { event: "tick", data: { time: new Date().toISOString(), sent: id } };
      }
      yield { comment: `the server ends this stream after ${endAfter} tokens; the client resumes with Last-Event-ID` };
    },
    { signal: request.signal },
  );
}

/** A token id the client sent back, or `undefined` (none, or not one of ours): start afresh. */
function parseId(id: string | undefined): number | undefined {
  return id !== undefined && /^\d{1,15}$/.test(id) ? Number(id) : undefined;
}
