/**
 * The fan-out routes with no library: every open response in a `Set`, and each event
 * encoded once and written to every one of them. What a hand-written broadcast does; like
 * most, it never waits for a slow reader (its writes queue in memory).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { fanOutFetchRoute, publishEvents, publishParams, type FanOutEvent } from "../publisher.ts";
import { SSE_HEADERS } from "../workloads.ts";

const encoder = new TextEncoder();

/** The bytes of one event, made once for all readers: `id:` and `data:` lines, like sluice's. */
function frame(seq: number, event: FanOutEvent): Uint8Array {
  return encoder.encode(`id: ${seq}\ndata: ${JSON.stringify(event.data)}\n\n`);
}

/** On `node:http`: `res.write` of the same bytes to every response. */
export function nodeHttpLoopApp(memory: () => { rss: number; heap: number }) {
  const readers = new Set<ServerResponse>();
  let seq = 0;
  const publish = (event: FanOutEvent) => {
    const bytes = frame(++seq, event);
    for (const res of readers) res.write(bytes);
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://localhost");
    switch (url.pathname) {
      case "/subscribe":
        res.writeHead(200, SSE_HEADERS).flushHeaders();
        readers.add(res);
        res.once("close", () => readers.delete(res));
        return;
      case "/publish": {
        const { m, batch } = publishParams(url);
        void publishEvents(m, batch, publish).then(() => res.end(JSON.stringify({ published: m })));
        return;
      }
      case "/stats":
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(memory()));
        return;
      default:
        res.writeHead(404).end();
    }
  };
}

/**
 * The comment each stream starts with: Bun sends a response's head only with its first
 * chunk, and a reader must see the head at once (sluice's Bun adapter does the same).
 */
const OPENING = encoder.encode(":\n\n");

/**
 * On Deno and Bun: a `ReadableStream` per reader, and `enqueue` of the same bytes to each.
 * `cancel` (the client left) takes the reader out of the set.
 */
export function streamLoopApp(memory: () => { rss: number; heap: number }) {
  const readers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let seq = 0;
  const publish = (event: FanOutEvent) => {
    const bytes = frame(++seq, event);
    for (const controller of readers) controller.enqueue(bytes);
  };
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/subscribe": {
        let reader!: ReadableStreamDefaultController<Uint8Array>;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(OPENING);
            reader = controller;
            readers.add(reader);
          },
          cancel: () => void readers.delete(reader),
        });
        return new Response(body, { headers: SSE_HEADERS });
      }
      default:
        return fanOutFetchRoute(url, publish, memory);
    }
  };
}
