/**
 * The `(req, res)` listener that hosts a fetch handler on `node:http` or `node:http2`.
 * @module
 */
import { StreamAbortError } from "../../src/errors.ts";
import type { FetchHandler, OpenResponses } from "../../src/_kit/serve.ts";
import { disconnectReason } from "../../src/_reasons.ts";
import { finishResponse, internalError, type RuntimeTraits } from "../../src/_kit/exchange.ts";
import { hostOf, sentWhole, toWebRequest, whenClosed, type NodeRequest, type NodeResponse } from "./request.ts";
import { cutOff, outgoing, pump, writeHead, type Outgoing } from "./response.ts";

/** Node's fetch (undici) decodes these codings and keeps the header (see finishResponse). */
const NODE: RuntimeTraits = { decodes: new Set(["gzip", "x-gzip", "deflate", "br"]) };

/** A listener for `http.createServer()` / `http2.createServer()`; `open` tracks it for close(). */
export function listener(handler: FetchHandler, open?: OpenResponses) {
  return (req: NodeRequest, res: NodeResponse): void => {
    answer(handler, req, res, open).catch((error: unknown) => {
      // Nothing of one response may take the process down with it.
      console.error("sluice: the response failed:", error);
      fail(res);
    });
  };
}

async function answer(handler: FetchHandler, req: NodeRequest, res: NodeResponse, open?: OpenResponses) {
  const client = new AbortController();
  // Shutdown aborts request.signal and, through pump(), the body; a handler still
  // computing gets until the grace period ends to notice.
  const ended = open?.add((reason) => client.abort(reason));
  whenClosed(req, res, () => {
    ended?.();
    if (!sentWhole(req, res)) client.abort(disconnectReason()); // the client went away first
  });
  // Only the body's reader outlives the head: the Request, the Response and, for a sluice
  // body, its ReadableStream can be collected while a long stream is open (2.5 KiB of heap
  // per open topic reader, measured with 2,000 of them; it matters with thousands).
  const sending = await head(handler, req, res, client);
  if (sending === null) return;
  try {
    await pump(sending, res, client.signal);
  } catch (error) {
    if (!client.signal.aborted && !(error instanceof StreamAbortError)) {
      console.error("sluice: the response body failed, so the response was cut off:", error);
    }
    cutOff(res);
  }
  if (client.signal.aborted && !res.writableEnded) cutOff(res); // shut down mid-stream: truncated
}

/** Calls the handler and sends status and headers; returns the body still to send, or null. */
async function head(
  handler: FetchHandler,
  req: NodeRequest,
  res: NodeResponse,
  client: AbortController,
): Promise<Outgoing | null> {
  let request: Request;
  try {
    request = toWebRequest(req, hostOf(req), client.signal);
  } catch {
    // A Host header that is not a host (it would move the path), or a method or URL no Request takes.
    res.writeHead(400, "Bad Request", { "content-type": "text/plain; charset=utf-8" }).end("Bad Request");
    return null;
  }
  const response = finishResponse(await call(handler, request), request, NODE);
  if (client.signal.aborted) {
    response.body?.cancel(client.signal.reason).catch(() => {});
    cutOff(res);
    return null;
  }
  let length: number | undefined;
  try {
    length = writeHead(res, response);
  } catch (error) {
    console.error("sluice: the response headers were refused, so a 500 was sent:", error);
    response.body?.cancel(error).catch(() => {});
    fail(res);
    return null;
  }
  if (response.body === null) {
    res.end();
    return null;
  }
  (res as { flushHeaders?: () => void }).flushHeaders?.(); // SSE clients see the headers at once
  return outgoing(response.body, length);
}

/** Calls the handler; a throw becomes a 500 whose body says nothing more. */
async function call(handler: FetchHandler, request: Request): Promise<unknown> {
  try {
    return await handler(request);
  } catch (error) {
    console.error("sluice: the handler threw:", error);
    return internalError();
  }
}

/** A 500 if nothing was sent yet, else the response cut off. */
function fail(res: NodeResponse): void {
  if (res.headersSent || res.destroyed) {
    cutOff(res);
    return;
  }
  try {
    res.statusMessage = ""; // writeHead keeps a status text set before it threw ("500 OK")
    res.writeHead(500, "Internal Server Error", { "content-type": "text/plain; charset=utf-8" }).end("Internal Server Error");
  } catch {
    cutOff(res);
  }
}
