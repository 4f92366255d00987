/**
 * The benchmark routes hand-written on `node:http`: `res.write` per item, waiting for
 * `drain` when it says so. The baseline of "no library at all".
 */
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  BYTES_HEADERS,
  bulk,
  idle,
  idleEvents,
  params,
  SSE_HEADERS,
  sseLine,
  TEXT_HEADERS,
  ticks,
  tiny,
  tokens,
} from "../workloads.ts";

async function write<T>(
  res: ServerResponse,
  headers: Record<string, string>,
  items: AsyncIterable<T>,
  encode: (item: T) => string | Uint8Array,
) {
  res.writeHead(200, headers);
  for await (const item of items) {
    if (!res.write(encode(item))) await once(res, "drain");
  }
  res.end();
}

export function nodeHttpApp(memory: () => { rss: number; heap: number }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const { n, mib, ms } = params(url);
    const gone = new AbortController();
    res.once("close", () => gone.abort());
    const done = (() => {
      switch (url.pathname) {
        case "/sse":
          return write(res, SSE_HEADERS, tokens(n), sseLine);
        case "/tiny":
          return write(res, TEXT_HEADERS, tiny(n), (text) => text);
        case "/bulk":
          return write(res, BYTES_HEADERS, bulk(mib), (bytes) => bytes);
        case "/ticks":
          return write(res, SSE_HEADERS, ticks(n, ms, gone.signal), sseLine);
        case "/idle":
          return write(res, SSE_HEADERS, idleEvents(gone.signal), sseLine);
        case "/stats":
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...idle, ...memory() }));
          return Promise.resolve();
        default:
          res.writeHead(404).end();
          return Promise.resolve();
      }
    })();
    done.catch(() => res.destroy());
  };
}
