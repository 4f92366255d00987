/**
 * What every runtime adapter does to a request before its handler sees it, and to the
 * handler's response before the runtime sends it. Written once here, so an adapter is
 * only what is different about its runtime.
 * @module
 */
import { controlOf } from "../_body.ts";
import { describe } from "../_messages.ts";

const TEXT = { "content-type": "text/plain; charset=utf-8" };

/**
 * Whether `value` is a valid `Host` header (RFC 9110 §7.2: `uri-host [ ":" port ]`, with
 * the characters of RFC 3986 §3.2.2). Anything else (a `/`, `?`, `#`, `@`, `\`, a space)
 * would let the header change the path, query or user of the URL the handler sees.
 * One pass over the value: linear time, whatever it holds.
 */
export function isValidHost(value: string): boolean {
  let at = 0;
  const length = value.length;
  if (length === 0) return false;
  if (value[0] === "[") {
    // IP-literal: an IPv6 address (with an optional RFC 6874 zone) or IPvFuture.
    at = 1;
    while (at < length && value[at] !== "]") {
      if (!isHostChar(value.charCodeAt(at)) && value[at] !== ":" && value[at] !== "%") return false;
      at++;
    }
    if (at === length || at === 1) return false; // no "]", or "[]"
    at++;
  } else {
    // reg-name or IPv4address: unreserved, pct-encoded and sub-delims.
    const start = at;
    while (at < length && value[at] !== ":") {
      const code = value.charCodeAt(at);
      if (code === 37 /* % */) {
        if (!isHex(value.charCodeAt(at + 1)) || !isHex(value.charCodeAt(at + 2))) return false;
        at += 3;
        continue;
      }
      if (!isHostChar(code)) return false;
      at++;
    }
    if (at === start) return false; // ":80" names no host
  }
  if (at === length) return true;
  if (value[at] !== ":") return false;
  for (at++; at < length; at++) {
    const code = value.charCodeAt(at);
    if (code < 48 || code > 57) return false; // port = *DIGIT
  }
  return true;
}

/** unreserved / sub-delims of RFC 3986, and "." (in unreserved). */
function isHostChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) || // ALPHA DIGIT
    code === 45 ||
    code === 46 ||
    code === 95 ||
    code === 126 || // - . _ ~
    code === 33 ||
    code === 36 ||
    (code >= 38 && code <= 44) ||
    code === 59 ||
    code === 61 // ! $ & ' ( ) * + , ; =
  );
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/**
 * A 400 for a request a handler must not see: a `Host` header that is not a host (it
 * could move the path, e.g. `Host: example.com/admin?`), or a URL that cannot be parsed;
 * `undefined` for every well-formed request.
 */
export function rejectBadRequest(request: Request): Response | undefined {
  const host = request.headers.get("host");
  if ((host !== null && !isValidHost(host)) || !URL.canParse(request.url)) {
    return new Response("Bad Request", { status: 400, headers: TEXT });
  }
  return undefined;
}

/** The 500 a failed handler gets; its cause goes to the log, never to the client. */
export function internalError(): Response {
  return new Response("Internal Server Error", { status: 500, statusText: "Internal Server Error", headers: TEXT });
}

/** What the runtime's own `fetch` does that a response must be corrected for. */
export interface RuntimeTraits {
  /**
   * The content codings this runtime's `fetch` decodes: a fetched response whose every
   * coding is one of them has a decoded body under its `content-encoding` header.
   */
  decodes: ReadonlySet<string>;
}

/**
 * Makes what a handler returned safe to send, or a 500 (logged) when it cannot be:
 * - not a Response, or an object that only claims to be one: 500;
 * - a body already used or locked (it would go out as a 200, then be cut off): 500;
 * - a header value with a control character, which `Headers` lets through but HTTP does
 *   not (Node refuses it, Bun sends it raw, Deno 2.9 panics and exits): 500;
 * - a response from `fetch` whose body fetch decoded: its `content-encoding` and
 *   `content-length` describe bytes it no longer has, so both are dropped;
 * - HEAD: the body is cancelled unread (its source let go) and the headers go out alone.
 */
export function finishResponse(value: unknown, request: Request, traits: RuntimeTraits): Response {
  try {
    if (!(value instanceof Response)) {
      throw new TypeError(
        `sluice: the handler returned ${describe(value)}, not a Response. Return a Response, or wrap ` +
          `the handler with handle() to return generators, strings or objects.`,
      );
    }
    let response = value;
    const body = response.body;
    if (response.bodyUsed || body?.locked) {
      console.error(
        `sluice: the handler returned a Response whose body is already ${response.bodyUsed ? "used" : "locked"} ` +
          `(read or being read), so a 500 was sent. Return a new Response, or clone() it before reading.`,
      );
      body?.cancel().catch(() => {});
      return internalError();
    }
    const bad = badHeader(response.headers);
    if (bad !== undefined) {
      console.error(
        `sluice: the response header ${JSON.stringify(bad)} has a control character in its value, which HTTP ` +
          `does not allow, so a 500 was sent. Remove it (encodeURIComponent() a value that may hold one).`,
      );
      body?.cancel().catch(() => {});
      return internalError();
    }
    if (body !== null && response.url !== "" && decodedByFetch(response.headers.get("content-encoding"), traits)) {
      const headers = new Headers(response.headers);
      headers.delete("content-encoding");
      headers.delete("content-length");
      response = withBody(response, body, headers);
    }
    return request.method === "HEAD" ? headersOnly(response) : response;
  } catch (error) {
    console.error("sluice: the handler's response could not be sent, so a 500 was sent instead:", error);
    return internalError();
  }
}

/** `response`'s status and headers (or `headers`) with another `body`: the one way adapters rebuild a response. */
export function withBody(response: Response, body: BodyInit | null, headers: HeadersInit = response.headers): Response {
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * `response` without its body, which is cancelled unread so its source is let go: the
 * answer to a HEAD request (a server, or Hono, would otherwise read it or drop it unread).
 */
export function headersOnly(response: Response): Response {
  if (response.body === null) return response;
  response.body.cancel(new Error("sluice: a HEAD response has no body")).catch(() => {});
  return withBody(response, null);
}

/** A control character (but HTAB) in a field value (RFC 9110 §5.5); `Headers` refuses only NUL, CR and LF. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** The name of the first header whose value HTTP does not allow, if any. */
function badHeader(headers: Headers): string | undefined {
  for (const [name, value] of headers) if (CONTROL.test(value)) return name;
  return undefined;
}

/**
 * `response` with `ended(complete, cancelled)` called once its body has ended: `complete`
 * when it was read to its end, not when it was cancelled or failed (at once, complete,
 * for no body); `cancelled` when its reader (the runtime) cancelled it. A body sluice
 * made says so itself; any other is read through a pass-through, one stream hop per
 * chunk: the only way to know. `signal` aborting ends such a body as an error and cancels
 * what it reads from (a runtime that does not cancel a body when its client leaves).
 */
export function whenBodyEnds(
  response: Response,
  ended: (complete: boolean, cancelled: boolean) => void,
  signal?: AbortSignal,
): Response {
  const body = response.body;
  if (body === null) {
    ended(true, false);
    return response;
  }
  const control = controlOf(body);
  if (control) {
    control.onEnd(() => ended(control.state === "done", false)); // its cancel is told by its own onCancel
    return response;
  }
  const reader = body.getReader();
  let settled = false;
  const end = (complete: boolean, cancelled = false) => {
    if (settled) return;
    settled = true;
    signal?.removeEventListener("abort", onAbort);
    ended(complete, cancelled);
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onAbort = () => {
    end(false);
    reader.cancel(signal!.reason).catch(() => {});
    controller.error(signal!.reason);
  };
  const tracked = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (signal?.aborted) onAbort();
        else signal?.addEventListener("abort", onAbort, { once: true });
      },
      async pull() {
        let read: ReadableStreamReadResult<Uint8Array>;
        try {
          read = await reader.read();
        } catch (error) {
          end(false);
          throw error;
        }
        if (settled) return;
        if (read.done) {
          end(true);
          controller.close();
        } else controller.enqueue(read.value);
      },
      cancel(reason) {
        end(false, true);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return withBody(response, tracked);
}

/** Whether `fetch` decoded a body labelled with `codings` (every one of them is one it decodes). */
function decodedByFetch(codings: string | null, traits: RuntimeTraits): boolean {
  if (codings === null) return false;
  const list = codings.toLowerCase().split(",");
  let any = false;
  for (const coding of list) {
    const name = coding.trim();
    if (name === "" || name === "identity") continue;
    if (!traits.decodes.has(name)) return false;
    any = true;
  }
  return any;
}
