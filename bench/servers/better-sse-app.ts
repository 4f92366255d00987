/**
 * The fan-out routes with better-sse, as its README shows them: each reader is a session
 * registered with one `Channel`, and each event is `channel.broadcast(data)`. Its defaults
 * are kept (event name "message", a keep-alive every 10 s, `retry` sent first) except the
 * event id: the publisher's sequence number instead of a random UUID, so its events are
 * closer in size to the other variants' (which send ids too).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createChannel, createResponse, createSession } from "better-sse";
import { fanOutFetchRoute, publishEvents, publishParams, type Publish } from "../publisher.ts";

function channel() {
  const readers = createChannel();
  let seq = 0;
  const publish: Publish = (event) => readers.broadcast(event.data, "message", { eventId: String(++seq) });
  return { readers, publish };
}

const json = (value: unknown) => JSON.stringify(value);

/** On `node:http`: better-sse's Node session (it writes the head at once). */
export function betterSseNodeApp(memory: () => { rss: number; heap: number }) {
  const { readers, publish } = channel();
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://localhost");
    switch (url.pathname) {
      case "/subscribe":
        void createSession(req, res).then((session) => readers.register(session));
        return;
      case "/publish": {
        const { m, batch } = publishParams(url);
        void publishEvents(m, batch, publish).then(() => res.end(json({ published: m })));
        return;
      }
      case "/stats":
        res.writeHead(200, { "content-type": "application/json" }).end(json(memory()));
        return;
      default:
        res.writeHead(404).end();
    }
  };
}

/** On Deno and Bun: better-sse's Fetch API session (`createResponse`). */
export function betterSseFetchApp(memory: () => { rss: number; heap: number }) {
  const { readers, publish } = channel();
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/subscribe":
        return createResponse(request, (session) => readers.register(session));
      default:
        return fanOutFetchRoute(url, publish, memory);
    }
  };
}
