/**
 * One attempt of `connectEvents`, apart from reading it: its request, the wait a
 * `Retry-After` asks for, and the wait between attempts.
 * @module
 */
import type { Settings } from "./_connect.ts";
import { parseHttpDate } from "./_http-date.ts";
import { describe } from "./_messages.ts";

/** The longest wait a `Retry-After` can ask for: a day (timers overflow past 24.8 days). */
const MAX_RETRY_AFTER = 86_400_000;

/** The request of one attempt: rebuilt from `input`, with `Last-Event-ID` and the attempt's signal. */
export async function requestFor(
  settings: Settings,
  lastEventId: string | undefined,
  first: boolean,
  signal: AbortSignal,
): Promise<Request> {
  const { input, init } = settings;
  let base: Request;
  if (typeof input === "function") {
    const made = await input();
    if (!(made instanceof Request)) {
      throw new TypeError(`sluice: the connectEvents() input function must return a Request, got ${describe(made)}.`);
    }
    base = made;
  } else {
    const requestInit: RequestInit = {};
    if (init.method !== undefined) requestInit.method = init.method;
    if (first && init.body !== undefined) requestInit.body = init.body;
    base = new Request(input, requestInit);
  }
  const headers = new Headers(base.headers);
  const extra = typeof init.headers === "function" ? await init.headers() : init.headers;
  if (extra !== undefined) for (const [name, value] of new Headers(extra)) headers.set(name, value);
  if (!headers.has("accept")) headers.set("accept", "text/event-stream");
  if (lastEventId) headers.set("last-event-id", lastEventId);
  else headers.delete("last-event-id");
  const duplex = base.body ? { duplex: "half" } : {};
  return new Request(base, { headers, signal, ...duplex } as RequestInit);
}

/** A `Retry-After` (seconds, or an HTTP-date) as ms from now; `undefined` if absent or not one. */
export function retryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER);
  const time = parseHttpDate(text);
  return time === undefined ? undefined : Math.min(Math.max(0, time - Date.now()), MAX_RETRY_AFTER);
}

/** Waits `ms`; false if `signal` aborted first (the timer and the listener are gone either way). */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
