/**
 * Web `Response` -> `node:http` / `node:http2` response, with backpressure.
 * @module
 */
import type { ServerResponse } from "node:http";
import { constants, type Http2ServerResponse } from "node:http2";
import { Socket } from "node:net";
import { controlOf, type BodyControl } from "../../src/_body.ts";
import { readerOf, type Chunks } from "../../src/_kit/chunks.ts";
import { framed, sharedChunkSocket } from "./chunked.ts";
import type { NodeResponse } from "./request.ts";

/**
 * Connection-specific fields: Node frames the body itself, and HTTP/2 forbids them
 * (RFC 9113 §8.2.2); `node:http2` throws ERR_HTTP2_INVALID_CONNECTION_HEADERS on them.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "http2-settings"]);

/**
 * Status and headers of `response` onto `res`. Returns the `Content-Length` the body must
 * match, if it declares a valid one (an invalid one is dropped: Node then frames the body
 * itself).
 */
export function writeHead(res: NodeResponse, response: Response): number | undefined {
  const headers: Record<string, string | string[]> = {};
  let length: number | undefined;
  for (const [name, value] of response.headers) {
    if (HOP_BY_HOP.has(name) || name === "set-cookie") continue;
    if (name === "content-length") {
      if (!/^\d{1,15}$/.test(value)) continue;
      length = Number(value);
    }
    headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (isH2(res))
    res.writeHead(response.status, headers); // HTTP/2 has no status text
  else res.writeHead(response.status, response.statusText || undefined, headers);
  return length;
}

/**
 * A body to send, read through {@link readerOf}, and what `pump` needs of it: not the
 * stream itself, which, once taken over, is garbage while the body streams on. Held, a
 * sluice stream with its reader, controller and promises kept 2.5 KiB of heap per open
 * topic reader (2,000 readers, after a full GC).
 */
export interface Outgoing {
  chunks: Chunks;
  /** The `Content-Length` the body must match, if it declared one. */
  length: number | undefined;
  /** The body's control, for a sluice body: its end wakes a pump waiting for `drain`. */
  control: BodyControl | undefined;
}

/** `body`, to be sent by {@link pump}. */
export function outgoing(body: ReadableStream<Uint8Array>, length: number | undefined): Outgoing {
  return { chunks: readerOf(body), length, control: controlOf(body) };
}

/**
 * Pumps `body` into `res`, waiting for `drain` whenever a write is refused, so a slow
 * client slows the producer, or for the body to end (a stalled client's writeTimeout).
 * Returns when the body is written and `res` ended, or at once when `gone` aborts (the
 * body is then cancelled with its reason). Throws the body's error.
 *
 * With a declared `length`, no byte goes out that disagrees with it: the chunk that
 * completes it is held until the body has ended, so a body that turns out longer or
 * shorter is cut off (the client sees a truncated response) instead of its surplus
 * reading as the next response on a kept-alive connection.
 */
export async function pump(body: Outgoing, res: NodeResponse, gone: AbortSignal): Promise<void> {
  const { chunks: reader, length } = body;
  let wake: (() => void) | undefined;
  // `gone.aborted` read per chunk costs a brand check each time: the flag is the same, set once.
  let left = gone.aborted;
  const onGone = () => {
    left = true;
    wake?.();
    reader.cancel(gone.reason);
  };
  const onDrain = () => wake?.();
  gone.addEventListener("abort", onGone, { once: true });
  res.on("drain", onDrain);
  // A body that ends while we wait for `drain` (its writeTimeout: a stalled client) must
  // not leave us waiting: the next read reports why, and the connection is dropped.
  body.control?.onEnd(onDrain);
  let sent = 0;
  let last: Uint8Array | undefined;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (left) return;
      if (chunk === null) break;
      if (chunk.byteLength === 0) continue;
      sent += chunk.byteLength;
      if (length !== undefined && (last !== undefined || sent > length)) {
        reader.cancel(new RangeError("sluice: the body is longer than its Content-Length"));
        throw mismatch(length, "more");
      }
      if (length !== undefined && sent === length) {
        last = chunk.slice(); // sent once the body has ended; a copy, as the producer runs on meanwhile
        continue;
      }
      const socket = sharedChunkSocket(res, chunk);
      const frame = socket === undefined ? undefined : framed(chunk);
      if (socket !== undefined && frame !== undefined) {
        // Bytes every reader of a topic is sent: framed once, one write each (see chunked.ts).
        if (!socket.write(frame) && !left) {
          socket.once("drain", onDrain);
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          socket.off("drain", onDrain);
        }
        if (left) return;
        continue;
      }
      // A chunk lent by the producer must be out of Node's hands before the producer runs
      // again: a refused write waits for `drain` (everything flushed), an accepted one for
      // its own callback.
      let flushed = false;
      const ok = (res as ServerResponse).write(
        chunk,
        reader.lent
          ? () => {
              flushed = true;
              wake?.();
            }
          : undefined,
      );
      if ((!ok || (reader.lent && !flushed)) && !left) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      if (left) return;
    }
    if (length !== undefined && sent < length) throw mismatch(length, "fewer");
    if (last !== undefined) res.end(last);
    else res.end();
  } finally {
    gone.removeEventListener("abort", onGone);
    res.off("drain", onDrain);
  }
}

function mismatch(length: number, what: "more" | "fewer"): RangeError {
  return new RangeError(
    `sluice: the response declared content-length: ${length} but its body has ${what} bytes, so it was cut off. ` +
      `Remove the content-length header or make it match; a Response from fetch() whose body fetch decoded must ` +
      `not keep the upstream's content-length and content-encoding.`,
  );
}

/**
 * Ends `res` so the client sees a truncated response, never a clean end: HTTP/1.1 closes
 * the socket before the last chunk; HTTP/1.0, whose body ends where the connection ends,
 * resets it (a FIN would read as the end of a complete body); HTTP/2 resets the stream
 * with INTERNAL_ERROR (a plain destroy() would send NO_ERROR, which reads as complete).
 */
export function cutOff(res: NodeResponse): void {
  if (isH2(res)) {
    if (!res.stream.destroyed) res.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  const socket = (res as ServerResponse).socket;
  if ((res as ServerResponse).req?.httpVersion === "1.0" && socket && !socket.destroyed) reset(socket);
  else res.destroy();
}

/**
 * Resets the TCP connection under `socket`. A TLS socket's handle is the TLS layer, on
 * which resetAndDestroy() throws ERR_INVALID_HANDLE_TYPE (it crashed the process: HTTPS,
 * HTTP/1.0, a producer error), so the reset goes to the TCP socket under it (`_parent`, the
 * connection tls.Server wrapped). Never throws: if no reset can be sent, the socket is destroyed.
 */
function reset(socket: Socket): void {
  const tcp = (socket as Socket & { _parent?: unknown })._parent;
  try {
    if (tcp instanceof Socket) {
      tcp.resetAndDestroy();
      socket.destroy();
    } else socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function isH2(res: NodeResponse): res is Http2ServerResponse {
  return (res as Http2ServerResponse).stream !== undefined;
}
