/**
 * `connectEvents`: a stream of server-sent events that reconnects and resumes, as the
 * WHATWG `EventSource` does, on fetch: any method, headers per attempt, and never a request
 * body sent twice.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model
 * @module
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { requestFor, retryAfter, sleep } from "./_attempt.ts";
import { DEFAULT_MAX_LINE, tooLong } from "./_lines.ts";
import { checkNonNegative, describe } from "./_messages.ts";
import { ResponseStatusError } from "./errors.ts";

/** What {@link connectEvents} takes: a URL, a `Request`, or a function that builds each attempt's request. */
export type ConnectInput = string | URL | Request | (() => Request | Promise<Request>);

/** Options of {@link connectEvents}. */
export interface ConnectInit {
  /** Default `GET`. A request with a body is sent once, never again on its own (see `input`). */
  method?: string;
  /** Headers of every attempt; a function is called for each one (a fresh auth token). */
  headers?: HeadersInit | (() => HeadersInit | Promise<HeadersInit>);
  body?: BodyInit;
  /** Aborting it ends the iteration (quietly: the loop just ends) and closes the connection. */
  signal?: AbortSignal;
  /** Resume after this id from the first attempt (sent as `Last-Event-ID`). */
  lastEventId?: string;
  /**
   * The waits between attempts, in ms. After a clean end the wait is the stream's `retry:`
   * (else `initial`); after a failure it doubles per failure in a row, up to `max`. Up to
   * `jitter` ms of random wait is added to each, so many clients do not come back at once.
   * Defaults: `{ initial: 1_000, max: 30_000, jitter: 1_000 }`.
   */
  retry?: { initial?: number; max?: number; jitter?: number };
  /** ms without a byte (keep-alive comments count) before the connection is dropped and made again. Default 45_000 (three sluice keep-alives); 0 = never. */
  stallTimeout?: number;
  /** Most characters one event may have before the stream stops with a `RangeError`. Default 8 MiB. */
  maxEventSize?: number;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

/** An event as `EventSource` dispatches it. */
export interface ClientEvent {
  /** The event type; `"message"` when the server named none. */
  event: string;
  data: string;
  /** The `id` field of this event's block, if it had one. */
  id: string | undefined;
  /** The last event ID as of this event (an id persists across events, and an id-only block sets it). */
  lastEventId: string;
}

/** The events of a reconnecting stream; `lastEventId` is where it would resume now. */
export interface EventStream extends AsyncIterable<ClientEvent> {
  readonly lastEventId: string | undefined;
}

const DEFAULT_RETRY = { initial: 1_000, max: 30_000, jitter: 1_000 };
const DEFAULT_STALL = 45_000;

/** Why one attempt ended: a clean end (reconnect), 204 (stop), or a failure (reconnect after a longer wait). */
type Ending = { kind: "clean" } | { kind: "no-content" } | { kind: "failed"; error: unknown; wait?: number; opened?: boolean };

export interface Settings {
  input: ConnectInput;
  init: ConnectInit;
  retry: typeof DEFAULT_RETRY;
  stall: number;
  maxEvent: number;
  fetch: typeof fetch;
  /** The first request has a body and is not rebuilt per attempt: it is never sent again. */
  once: boolean;
}

/**
 * Server-sent events from `input`, reconnecting after a network error, a stall, a
 * retryable status (408, 429, 5xx) or a clean end, and resuming with `Last-Event-ID`, so
 * every event arrives once. Stops on 204, on `signal`, on a `break`, on another 4xx
 * (`ResponseStatusError`), on a response that is not `text/event-stream`, and with what an
 * `input` or `headers` function throws (so it can refuse an attempt).
 *
 * @example
 * ```ts
 * // Start an answer with a POST, resume it with GETs: the POST is never sent twice.
 * let started = false;
 * const answer = connectEvents(() => started
 *   ? new Request(`/answers/${id}`)
 *   : ((started = true), new Request("/answers", { method: "POST", body: JSON.stringify({ id, prompt }) })),
 *   { headers: async () => ({ authorization: `Bearer ${await token()}` }) });
 * for await (const { event, data } of answer) if (event === "token") output.append(data);
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
export function connectEvents(input: ConnectInput, init: ConnectInit = {}): EventStream {
  const settings = check(input, init);
  const state = { lastEventId: init.lastEventId };
  return {
    get lastEventId() {
      return state.lastEventId;
    },
    [Symbol.asyncIterator]: () => attempts(settings, state),
  };
}

function check(input: ConnectInput, init: ConnectInit): Settings {
  if (!(typeof input === "string" || input instanceof URL || input instanceof Request || typeof input === "function")) {
    throw new TypeError(`sluice: connectEvents() takes a URL, a Request or a function that returns one, got ${describe(input)}.`);
  }
  if (typeof init !== "object" || init === null) {
    throw new TypeError(
      `sluice: connectEvents() options must be an object like { headers, signal, retry }, got ${describe(init)}.`,
    );
  }
  if (init.lastEventId !== undefined && typeof init.lastEventId !== "string") {
    throw new TypeError(`sluice: \`lastEventId\` must be a string, got ${describe(init.lastEventId)}.`);
  }
  const given = init.retry ?? {};
  const retry = {
    initial: checkNonNegative("retry.initial", given.initial, "ms", "Leave it out for 1000.") ?? DEFAULT_RETRY.initial,
    max: checkNonNegative("retry.max", given.max, "ms", "Leave it out for 30000.") ?? DEFAULT_RETRY.max,
    jitter: checkNonNegative("retry.jitter", given.jitter, "ms", "Leave it out for 1000.") ?? DEFAULT_RETRY.jitter,
  };
  const fetcher = init.fetch ?? globalThis.fetch;
  if (typeof fetcher !== "function") throw new TypeError(`sluice: \`fetch\` must be a function, got ${describe(fetcher)}.`);
  const hasBody = init.body != null || (input instanceof Request && input.body !== null);
  return {
    input,
    init,
    retry,
    stall: checkNonNegative("stallTimeout", init.stallTimeout, "ms", "Use 0 to never drop a quiet connection.") ?? DEFAULT_STALL,
    maxEvent: checkNonNegative("maxEventSize", init.maxEventSize, "characters") ?? DEFAULT_MAX_LINE,
    fetch: fetcher,
    once: hasBody && typeof input !== "function",
  };
}

/** One connection after another, until something stops the stream. */
async function* attempts(settings: Settings, state: { lastEventId: string | undefined }): AsyncGenerator<ClientEvent> {
  const { signal } = settings.init;
  let failures = 0;
  /** The stream's `retry:`, once it sent one. */
  let serverRetry: number | undefined;
  for (let first = true; !signal?.aborted; first = false) {
    const ending: Ending = yield* connection(settings, state, first, (ms) => {
      serverRetry = ms;
    });
    if (signal?.aborted || ending.kind === "no-content") return;
    if (ending.kind === "failed") {
      if (settings.once) {
        if (ending.error instanceof ResponseStatusError) throw ending.error;
        throw new Error(
          "sluice: the event stream's connection ended early, and its request has a body, which connectEvents never sends twice. " +
            "Pass `input` as a function that builds each attempt (e.g. a GET that resumes with Last-Event-ID).",
          { cause: ending.error },
        );
      }
      // A connection that opened (a 2xx event stream that sent at least a byte) ended the run
      // of failures before this one. One cut before its first byte did not: a server whose
      // backend is down (sluice's Topics while Redis is) answers 200, then fails at once.
      failures = ending.opened ? 1 : failures + 1;
    } else {
      if (settings.once) return;
      failures = 0;
    }
    const base = serverRetry ?? settings.retry.initial;
    const wait =
      ending.kind === "failed" && ending.wait !== undefined
        ? ending.wait
        : failures === 0
          ? base
          : Math.min(Math.max(settings.retry.max, base), base * 2 ** (failures - 1));
    if (!(await sleep(wait + Math.random() * settings.retry.jitter, signal))) return;
  }
}

/**
 * One attempt: its request, its response's events as they come, and how it ended. Throws
 * what stops the stream for good (a 4xx, a wrong content type, an event past its bound).
 */
async function* connection(
  settings: Settings,
  state: { lastEventId: string | undefined },
  first: boolean,
  onRetry: (ms: number) => void,
): AsyncGenerator<ClientEvent, Ending> {
  const outer = settings.init.signal;
  const controller = new AbortController();
  const stalled = new Error("sluice: the event stream sent nothing for stallTimeout ms.");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    if (settings.stall > 0) timer = setTimeout(() => controller.abort(stalled), settings.stall);
  };
  const onAbort = () => controller.abort(outer!.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let done = false;
  let opened = false;
  try {
    arm();
    let request: Request;
    try {
      request = await requestFor(settings, state.lastEventId, first, controller.signal);
    } catch (error) {
      done = true; // the caller's input() or headers() threw: its own decision (or bug), not the network's
      throw error;
    }
    const { fetch: fetcher } = settings; // called unbound: a browser's fetch refuses any other `this`
    const response = await fetcher(request);
    if (response.status === 204) {
      done = true;
      await response.body?.cancel().catch(() => {});
      return { kind: "no-content" }; // the server says: no more, ever
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      const status = response.status;
      if (status === 408 || status === 429 || status >= 500) {
        const wait = status === 429 || status === 503 ? retryAfter(response.headers.get("retry-after")) : undefined;
        const error = new ResponseStatusError(response);
        return wait === undefined ? { kind: "failed", error } : { kind: "failed", error, wait };
      }
      done = true;
      throw new ResponseStatusError(response);
    }
    const type = response.headers.get("content-type") ?? "";
    if (!/^\s*text\/event-stream\s*(;|$)/i.test(type)) {
      await response.body?.cancel().catch(() => {});
      done = true;
      throw new TypeError(
        `sluice: connectEvents() expected text/event-stream from ${response.url || "the server"}, got ${type ? JSON.stringify(type) : "no content type"} (status ${response.status}). Check the URL and the server's route.`,
      );
    }
    if (!response.body) return { kind: "clean" };
    reader = response.body.getReader();
    const queue: EventSourceMessage[] = [];
    let oversize = false;
    const parser = createParser({
      maxBufferSize: settings.maxEvent,
      onId: (id) => {
        // onId comes for each block with an id, events and id-only blocks alike, before its event.
        queue.push({ id, data: "", event: ID_ONLY });
      },
      onEvent: (event) => queue.push(event),
      onRetry: onRetry,
      onError: (error) => {
        if (error.type === "max-buffer-size-exceeded") oversize = true;
      },
    });
    const decoder = new TextDecoder();
    for (;;) {
      const read = await reader.read();
      if (read.done) {
        done = true;
        return { kind: "clean" };
      }
      arm();
      if (read.value.byteLength > 0) opened = true;
      if (!oversize) parser.feed(decoder.decode(read.value, { stream: true }));
      if (oversize) {
        done = true;
        throw tooLong("an event", "maxEventSize", settings.maxEvent);
      }
      for (const message of queue.splice(0)) {
        if (message.event === ID_ONLY) {
          state.lastEventId = message.id;
          continue;
        }
        yield { event: message.event ?? "message", data: message.data, id: message.id, lastEventId: state.lastEventId ?? "" };
      }
    }
  } catch (error) {
    if (outer?.aborted) return { kind: "clean" }; // the caller stopped it: the loop just ends
    if (done) throw error;
    return { kind: "failed", error, opened };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
    if (!done) controller.abort(); // left early (break, signal, stall): close the connection
    reader?.cancel().catch(() => {});
  }
}

/** The `event` of a queued id-only marker: not a type a server can send (it would need a line break). */
const ID_ONLY = "\n";
