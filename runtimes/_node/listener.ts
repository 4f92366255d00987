/**
 * The `(req, res)` listener that hosts a fetch handler on `node:http` or `node:http2`.
 * @module
 */
import { StreamAbortError } from "../../src/errors.ts";
import type { FetchHandler, OpenResponses } from "../../src/adapter.ts";
import { toWebRequest, type NodeRequest } from "./request.ts";
import { pump, writeHead, type NodeResponse } from "./response.ts";

const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

/** A listener for `http.createServer()` / `http2.createServer()`; `open` tracks it for close(). */
export function listener(handler: FetchHandler, open?: OpenResponses) {
  return (req: NodeRequest, res: NodeResponse): void => {
    void respond(handler, req, res, open);
  };
}

async function respond(handler: FetchHandler, req: NodeRequest, res: NodeResponse, open?: OpenResponses) {
  // request.signal: aborted when the client goes away before the response is complete,
  // and only then (a response that finished normally leaves it alone).
  const client = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) client.abort(new Error("sluice: the client closed the connection"));
  };
  res.once("close", onClose);
  const ended = open?.add((reason) => {
    client.abort(reason);
    res.destroy();
  });
  try {
    const response = await call(handler, toWebRequest(req, client.signal));
    if (client.signal.aborted) {
      response.body?.cancel(client.signal.reason).catch(() => {});
      return;
    }
    const head = req.method === "HEAD";
    writeHead(res, response, head);
    if (head || response.body === null || NO_BODY_STATUS.has(response.status)) {
      // Nothing of the body is sent: stop its producer at once instead of reading it forever.
      response.body?.cancel(new Error("sluice: a HEAD response has no body")).catch(() => {});
      res.end();
      return;
    }
    (res as { flushHeaders?: () => void }).flushHeaders?.();
    try {
      await pump(response.body, res, client.signal);
    } catch (error) {
      // Never a clean end: destroying the response truncates it, so the client sees an error.
      if (!client.signal.aborted && !(error instanceof StreamAbortError)) {
        console.error("sluice: the response body failed; the response was cut off:", error);
      }
      res.destroy();
    }
  } finally {
    res.off("close", onClose);
    ended?.();
  }
}

/** Calls the handler; a throw or a non-Response becomes a 500 whose body says nothing more. */
async function call(handler: FetchHandler, request: Request): Promise<Response> {
  try {
    const response = await handler(request);
    if (response instanceof Response) return response;
    console.error(
      `sluice: the handler returned ${typeof response}, not a Response. Return a Response, ` +
        `or wrap the handler with handle() to return generators, strings or objects.`,
    );
  } catch (error) {
    console.error("sluice: the handler threw:", error);
  }
  return new Response("Internal Server Error", { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
}
