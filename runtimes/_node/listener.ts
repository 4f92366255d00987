/**
 * The `(req, res)` listener that hosts a fetch handler on `node:http` or `node:http2`.
 * @module
 */
import { StreamAbortError } from "../../src/errors.ts";
import { asResponse, type FetchHandler, type OpenResponses } from "../../src/adapter.ts";
import { toWebRequest, type NodeRequest, type NodeResponse } from "./request.ts";
import { cutOff, pump, writeHead } from "./response.ts";

const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

/** A listener for `http.createServer()` / `http2.createServer()`; `open` tracks it for close(). */
export function listener(handler: FetchHandler, open?: OpenResponses) {
  return (req: NodeRequest, res: NodeResponse): void => {
    void respond(handler, req, res, open);
  };
}

async function respond(handler: FetchHandler, req: NodeRequest, res: NodeResponse, open?: OpenResponses) {
  const client = new AbortController();
  // Shutdown aborts request.signal and, through pump(), the body; a handler still
  // computing gets until the grace period ends to notice.
  const ended = open?.add((reason) => client.abort(reason));
  res.once("close", () => ended?.());
  // Only the body outlives the head: the Request and Response objects can be collected
  // while a long stream is open (it matters with thousands of them).
  const body = await head(handler, req, res, client);
  if (body === null) return;
  try {
    await pump(body, res, client.signal);
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
): Promise<ReadableStream<Uint8Array> | null> {
  let request: Request;
  try {
    request = toWebRequest(req, res, client);
  } catch {
    // An invalid Host header or method: the URL or Request cannot be built.
    res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("Bad Request");
    return null;
  }
  const response = await call(handler, request);
  if (client.signal.aborted) {
    response.body?.cancel(client.signal.reason).catch(() => {});
    cutOff(res);
    return null;
  }
  try {
    writeHead(res, response);
  } catch (error) {
    console.error("sluice: the response headers were refused:", error);
    response.body?.cancel(error).catch(() => {});
    res.writeHead(500).end();
    return null;
  }
  if (req.method === "HEAD" || response.body === null || NO_BODY_STATUS.has(response.status)) {
    // Nothing of the body is sent: stop its producer now instead of reading it forever.
    response.body?.cancel(new Error("sluice: this response has no body to send (HEAD or status)")).catch(() => {});
    res.end();
    return null;
  }
  (res as { flushHeaders?: () => void }).flushHeaders?.(); // SSE clients see the headers at once
  return response.body;
}

/** Calls the handler; a throw or a non-Response becomes a 500 whose body says nothing more. */
async function call(handler: FetchHandler, request: Request): Promise<Response> {
  try {
    return asResponse(await handler(request));
  } catch (error) {
    console.error("sluice: the handler threw:", error);
  }
  return new Response("Internal Server Error", { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
}
