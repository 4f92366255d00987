/**
 * Web `Response` -> `node:http` / `node:http2` response, with backpressure.
 * @module
 */
import type { ServerResponse } from "node:http";
import { constants, type Http2ServerResponse } from "node:http2";
import { controlOf } from "../../src/body.ts";
import type { NodeResponse } from "./request.ts";

/**
 * Connection-specific fields: Node frames the body itself, and HTTP/2 forbids them
 * (RFC 9113 §8.2.2); `node:http2` throws ERR_HTTP2_INVALID_CONNECTION_HEADERS on them.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "http2-settings"]);

/** Status and headers of `response` onto `res`. */
export function writeHead(res: NodeResponse, response: Response): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (HOP_BY_HOP.has(name) || name === "set-cookie") continue;
    headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (isH2(res)) {
    res.writeHead(response.status, headers); // HTTP/2 has no status text
  } else {
    if (response.statusText) res.statusMessage = response.statusText;
    res.writeHead(response.status, headers);
  }
}

/**
 * Pumps `body` into `res`, waiting for `drain` whenever a write is refused, so a slow
 * client slows the producer, or for the body to end (a stalled client's writeTimeout). Returns when the body is written and `res` ended, or at once
 * when `gone` aborts (the body is then cancelled with its reason). Throws the body's error.
 */
export async function pump(body: ReadableStream<Uint8Array>, res: NodeResponse, gone: AbortSignal): Promise<void> {
  const reader = chunksOf(body);
  let wake: (() => void) | undefined;
  const onGone = () => {
    wake?.();
    reader.cancel(gone.reason);
  };
  const onDrain = () => wake?.();
  gone.addEventListener("abort", onGone, { once: true });
  res.on("drain", onDrain);
  // A body that ends while we wait for `drain` (its writeTimeout: a stalled client) must
  // not leave us waiting: the next read reports why, and the connection is dropped.
  controlOf(body)?.onEnd(onDrain);
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk === null || gone.aborted) break;
      if (!(res as ServerResponse).write(chunk) && !gone.aborted) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      if (gone.aborted) return;
    }
    if (!gone.aborted) res.end();
  } finally {
    gone.removeEventListener("abort", onGone);
    res.off("drain", onDrain);
  }
}

/** What pump() reads from: a sluice body directly, or any stream through its reader. */
interface Chunks {
  read(): Promise<Uint8Array | null>;
  cancel(reason: unknown): void;
}

/**
 * A body sluice made is read directly (one promise per chunk, no stream reader in
 * between); any other stream through its reader.
 */
function chunksOf(body: ReadableStream<Uint8Array>): Chunks {
  const direct = controlOf(body)?.takeOver();
  if (direct) return direct;
  const reader = body.getReader();
  return {
    read: () => reader.read().then((result) => (result.done ? null : result.value)),
    cancel: (reason) => void reader.cancel(reason).catch(() => {}),
  };
}

/**
 * Ends `res` so the client sees a truncated response, never a clean end: HTTP/1 closes
 * the socket before the last chunk; HTTP/2 resets the stream with INTERNAL_ERROR (a plain
 * destroy() would send NO_ERROR, which reads as complete).
 */
export function cutOff(res: NodeResponse): void {
  if (isH2(res)) {
    if (!res.stream.destroyed) res.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  } else {
    res.destroy();
  }
}

export function isH2(res: NodeResponse): res is Http2ServerResponse {
  return (res as Http2ServerResponse).stream !== undefined;
}
