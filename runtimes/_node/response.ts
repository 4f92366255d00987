/**
 * Web `Response` -> `node:http` / `node:http2` response, with backpressure.
 * @module
 */
import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";

export type NodeResponse = ServerResponse | Http2ServerResponse;

/**
 * Connection-specific headers: Node frames the body itself, and HTTP/2 forbids them
 * (RFC 9113 §8.2.2); `node:http2` throws on them, so they are never passed on.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);
const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

/** Status and headers of `response` onto `res`, sent at once so SSE clients see them. */
export function writeHead(res: NodeResponse, response: Response, head: boolean): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (HOP_BY_HOP.has(name)) continue;
    if (name === "set-cookie") continue;
    headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (response.body === null && !head && !NO_BODY_STATUS.has(response.status) && headers["content-length"] === undefined) {
    headers["content-length"] = "0";
  }
  if ((res as Http2ServerResponse).stream !== undefined) {
    (res as Http2ServerResponse).writeHead(response.status, headers);
  } else {
    (res as ServerResponse).writeHead(response.status, response.statusText || undefined, headers);
  }
}

/**
 * Pumps `body` into `res`: waits for `drain` whenever a write is refused, so a slow
 * client slows the producer. Resolves when the body has been written and ended;
 * rejects with the body's error (the caller then destroys the response).
 */
export async function pump(body: ReadableStream<Uint8Array>, res: NodeResponse, gone: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const onGone = () => {
    reader.cancel(gone.reason).catch(() => {});
  };
  gone.addEventListener("abort", onGone, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (gone.aborted) return;
      if (!(res as ServerResponse).write(value)) await drained(res, gone);
      if (gone.aborted) return;
    }
    await new Promise<void>((resolve) => (res as ServerResponse).end(resolve));
  } finally {
    gone.removeEventListener("abort", onGone);
  }
}

function drained(res: NodeResponse, gone: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      gone.removeEventListener("abort", done);
      resolve();
    };
    res.on("drain", done);
    gone.addEventListener("abort", done, { once: true });
  });
}
