/**
 * `node:http` / `node:http2` request -> web `Request`.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { isValidHost } from "../../src/_kit/exchange.ts";

export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** Bytes of a request body buffered ahead of the handler before the socket is paused. */
const BODY_HIGH_WATER_MARK = 64 * 1024;

/**
 * The host the request names (`:authority` on HTTP/2, else `Host`), or `localhost` for an
 * HTTP/1.0 request without one. Throws for one that is not a host (RFC 9110 §7.2), such
 * as `example.com/admin?`, which would move the path of the URL; and for several `Host`
 * lines or an empty one (RFC 9112 §3.2: 400).
 */
export function hostOf(req: NodeRequest): string {
  let host: string | undefined;
  if (req.httpVersionMajor === 2) host = (req as Http2ServerRequest).authority || req.headers.host;
  else {
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length !== 4 || raw[i]!.toLowerCase() !== "host") continue;
      if (host !== undefined) throw new TypeError("sluice: more than one Host header");
      host = raw[i + 1]!;
    }
  }
  if (host === undefined) return "localhost";
  if (!isValidHost(host)) throw new TypeError(`sluice: the Host header is not a host`);
  return host;
}

/** Builds the web `Request` of `req` for `host`, with `signal` as its signal. */
export function toWebRequest(req: NodeRequest, host: string, signal: AbortSignal): Request {
  const h2 = req.httpVersionMajor === 2;
  const headers = new Headers();
  const raw = req.rawHeaders;
  let cookie: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58 /* ":" */) continue; // HTTP/2 pseudo-headers are not fields
    // HTTP/2 may split `cookie` into several fields; they join with "; " (RFC 9113 §8.2.3).
    if (h2 && name === "cookie") cookie = cookie === undefined ? raw[i + 1]! : `${cookie}; ${raw[i + 1]!}`;
    else headers.append(name, raw[i + 1]!);
  }
  if (cookie !== undefined) headers.set("cookie", cookie);

  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  if (method !== "GET" && method !== "HEAD") {
    init.body = incomingBody(req);
    init.duplex = "half"; // Node's fetch requires it for a streamed request body
  }
  return new Request(urlOf(req, h2, host), init);
}

/**
 * Calls `closed` once, when `res` closes or, on HTTP/1, when its connection does. Node
 * emits no "close" on the response of a pipelined request still queued behind another
 * when the connection dies, so that response would look open forever.
 */
export function whenClosed(req: NodeRequest, res: NodeResponse, closed: () => void): void {
  const socket = req.httpVersionMajor === 2 ? undefined : req.socket;
  const once = () => {
    res.off("close", once);
    socket?.off("close", once);
    closed();
  };
  res.on("close", once);
  socket?.on("close", once);
}

/**
 * Whether `res` was sent whole when it closed: HTTP/1 closes after a normal response
 * too; an HTTP/2 stream the client reset leaves `writableFinished` true, hence the reset
 * checks.
 */
export function sentWhole(req: NodeRequest, res: NodeResponse): boolean {
  if (req.httpVersionMajor !== 2) return res.writableFinished;
  const reset = (req as Http2ServerRequest).aborted || ((res as Http2ServerResponse).stream?.rstCode ?? 0) !== 0;
  return res.writableFinished && !reset;
}

/**
 * The request URL, by concatenation: `new URL("//evil/x", base)` would make `evil` the
 * host. An absolute-form target (sent to proxies) is taken as it is.
 */
function urlOf(req: NodeRequest, h2: boolean, host: string): string {
  const path = req.url ?? "/";
  if (/^https?:\/\//i.test(path)) return path;
  const scheme = h2
    ? ((req as Http2ServerRequest).scheme ?? "http")
    : (req.socket as { encrypted?: boolean }).encrypted
      ? "https"
      : "http";
  return `${scheme}://${host}${path.startsWith("/") ? path : "/"}`;
}

/**
 * The request body as a byte stream with backpressure (the socket is paused while the
 * handler is not reading). Cancelling drains rather than destroys: on HTTP/1 destroying
 * `req` would kill the socket, and the response with it.
 */
function incomingBody(req: NodeRequest): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const fail = (error: unknown) => {
          if (settled) return;
          settled = true;
          controller.error(error);
        };
        req.on("data", (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once("end", () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        req.once("error", fail);
        req.once("aborted", () => fail(new Error("sluice: the client aborted the request body")));
        req.once("close", () => {
          if (!req.readableEnded) fail(new Error("sluice: the client aborted the request body"));
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        settled = true;
        req.resume();
      },
    },
    { highWaterMark: BODY_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
}
