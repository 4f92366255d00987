/**
 * `node:http` / `node:http2` request -> web `Request`.
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { Readable } from "node:stream";

export type NodeRequest = IncomingMessage | Http2ServerRequest;

/** Builds the web `Request` of `req`; `signal` is aborted when the client goes away. */
export function toWebRequest(req: NodeRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58 /* ":" */) continue; // HTTP/2 pseudo-headers are not headers
    headers.append(name, raw[i + 1]!);
  }
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  if (method !== "GET" && method !== "HEAD") {
    init.body = Readable.toWeb(req as Readable) as ReadableStream<Uint8Array>;
    init.duplex = "half"; // Node's fetch requires it for a streamed request body
  }
  return new Request(urlOf(req), init);
}

function urlOf(req: NodeRequest): string {
  const socket = req.socket as { encrypted?: boolean; localAddress?: string; localPort?: number } | null;
  const scheme = socket?.encrypted ? "https" : "http";
  const host =
    (req.headers[":authority"] as string | undefined) ??
    req.headers.host ??
    `${socket?.localAddress ?? "localhost"}:${socket?.localPort ?? 80}`;
  return `${scheme}://${host}${req.url ?? "/"}`;
}
