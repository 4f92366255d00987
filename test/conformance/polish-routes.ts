/**
 * The `/polish/*` routes of the conformance fixture (issue #11): files by RFC 9110, the
 * last item of onError through each body's encoder, the one reason a producer is told
 * its client went away, and a handler still computing when the server closes. Portable:
 * imports only the core.
 */
import { fileResponse, ndjsonResponse, sseResponse, StreamAbortError } from "../../src/index.ts";
import type { Stats } from "./fixture.ts";

/** What ended a producer, or a handler's wait, as a client can ask for it afterwards. */
export interface Ending {
  /** The producer's signal's reason. */
  producer?: { name: string; type?: string; sluice: boolean };
  /** The handler's `request.signal` reason. */
  request?: { name: string; type?: string; sluice: boolean };
}

const endings = new Map<string, Ending>();
const describeReason = (reason: unknown) => ({
  name: (reason as Error)?.name ?? String(reason),
  ...(reason instanceof StreamAbortError ? { type: reason.type } : {}),
  sluice: reason instanceof StreamAbortError,
});
const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));

const empty = new File([], "empty.bin", { lastModified: Date.UTC(2026, 0, 2) });

/** Answers a `/polish/*` request; `undefined` for any other path. `stats` counts per key. */
export async function polishRoute(request: Request, stats: (key: string) => Stats): Promise<Response | undefined> {
  const url = new URL(request.url);
  const key = url.searchParams.get("key") ?? "default";
  const { signal } = request;
  switch (url.pathname) {
    case "/polish/empty-file":
      return fileResponse(empty, { request });
    // An SSE stream whose producer fails after one event; onError returns an event object.
    case "/polish/sse-error":
      return sseResponse(async function* () {
        yield { event: "token", data: "one" };
        throw new Error("the model failed");
      }, { signal, onError: () => ({ event: "error", data: { message: "generation failed", retry: true } }) });
    // NDJSON whose producer fails after one line; onError returns a JSON value.
    case "/polish/ndjson-error":
      return ndjsonResponse(async function* () {
        yield { line: 1 };
        throw new Error("the query failed");
      }, { signal, onError: () => ({ error: "query failed" }) });
    // An endless stream that records why its producer and its request were aborted.
    case "/polish/ending": {
      const ending: Ending = {};
      endings.set(key, ending);
      signal.addEventListener("abort", () => (ending.request = describeReason(signal.reason)), { once: true });
      return sseResponse(async function* (producer) {
        try {
          for (let i = 0; ; i++) {
            yield { data: i };
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        } finally {
          ending.producer = describeReason(producer.reason);
        }
      }, { signal });
    }
    case "/polish/endings":
      return Response.json(endings.get(key) ?? null);
    // A handler that is still computing (waiting on its signal) when the server closes.
    case "/polish/computing": {
      const entry = stats(key);
      entry.started++;
      await untilAborted(signal);
      entry.finallies++;
      endings.set(key, { request: describeReason(signal.reason) });
      return new Response("stopped", { status: 503 });
    }
    default:
      return undefined;
  }
}
