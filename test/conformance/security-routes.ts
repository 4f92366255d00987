/**
 * The `/sec/*` routes of the conformance fixture: what hostile input and ordinary
 * proxies do to a host (issue #10). Portable: imports only the core, so the same code
 * runs on Node, Deno, Bun and workerd.
 */
import { lastEventId, sseResponse, streamingResponse } from "../../src/index.ts";

/** What a host lends these routes: a Node-style file stream where the runtime has `node:fs`. */
export interface SecurityHost {
  readStream?: (path: string) => AsyncIterable<Uint8Array>;
}

interface Counts {
  /** Sources made. */
  made: number;
  /** Sources closed: a stream's cancel(), an iterator's return(). */
  closed: number;
  /** Producers whose `finally` ran. */
  finallies: number;
}

const counts = new Map<string, Counts>();
const countsOf = (key: string): Counts => {
  let entry = counts.get(key);
  if (!entry) counts.set(key, (entry = { made: 0, closed: 0, finallies: 0 }));
  return entry;
};
/** Keys of requests whose request.signal fired (a listener: workerd forbids touching another request's objects). */
const aborted = new Set<string>();

/** Byte `i` of block `block` of the `/sec/reuse` body. */
export function reuseByte(block: number, i: number): number {
  return (block * 31 + i) & 255;
}

/** Waits the `delay` query parameter's ms: a handler still computing when its client leaves. */
const delay = (query: URLSearchParams) => new Promise((resolve) => setTimeout(resolve, Number(query.get("delay") ?? 0)));

/** Answers a `/sec/*` request; `undefined` for any other path. */
export async function securityRoute(request: Request, host: SecurityHost): Promise<Response | undefined> {
  const url = new URL(request.url);
  const query = url.searchParams;
  const key = query.get("key") ?? "default";
  const { signal } = request;
  switch (url.pathname) {
    case "/sec/echo-url":
      return new Response(request.url);
    case "/sec/last-event-id":
      return sseResponse([{ data: String(lastEventId(request)?.length ?? 0) }], { signal });
    // `return fetch(upstream)`: the everyday proxy.
    case "/sec/proxy":
      return fetch(query.get("to") ?? "", { headers: { "accept-encoding": "gzip" } });
    // A proxy that streams the upstream's body through sluice.
    case "/sec/proxy-stream": {
      const upstream = await fetch(query.get("to") ?? "");
      return streamingResponse(upstream.body!, { signal });
    }
    // A web ReadableStream as the source, counting its cancel(); the handler first waits `delay` ms.
    case "/sec/stream-source": {
      await delay(query);
      const entry = countsOf(key);
      entry.made++;
      let i = 0;
      const source = new ReadableStream<string>({
        pull: (controller) => controller.enqueue(`chunk ${i++}\n`),
        cancel: () => void entry.closed++,
      }, { highWaterMark: 0 });
      return streamingResponse(source, { signal });
    }
    // An iterator object as the source, counting its return(); the handler first waits `delay` ms.
    case "/sec/iterator-source": {
      await delay(query);
      const entry = countsOf(key);
      entry.made++;
      let i = 0;
      const iterator: AsyncIterableIterator<string> = {
        next: async () => ({ done: false, value: `chunk ${i++}\n` }),
        return: async () => {
          entry.closed++;
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return streamingResponse(iterator, { signal });
    }
    // `streamingResponse(fs.createReadStream(path))`, where the host has node:fs.
    case "/sec/node-stream":
      if (!host.readStream) return new Response("this host has no file system", { status: 501 });
      return streamingResponse(host.readStream(query.get("path") ?? ""), {
        signal,
        headers: { "content-type": "application/octet-stream" },
      });
    // A producer that fills one reused buffer per block, as a file read into one buffer does.
    case "/sec/reuse": {
      const blocks = Number(query.get("blocks") ?? 256);
      const wait = query.get("wait") === "1";
      const size = Number(query.get("size") ?? 4096);
      return streamingResponse(async function* () {
        const buffer = new Uint8Array(size);
        for (let block = 0; block < blocks; block++) {
          if (wait) await null; // settled at once: still "ready", so joined
          for (let i = 0; i < buffer.length; i++) buffer[i] = reuseByte(block, i);
          yield buffer;
        }
      }, { signal, headers: { "content-type": "application/octet-stream" } });
    }
    // A body sluice did not make, endless; its request.signal is remembered.
    case "/sec/foreign-endless": {
      signal.addEventListener("abort", () => aborted.add(key), { once: true });
      let i = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            controller.enqueue(new TextEncoder().encode(`tick ${i++}\n`));
          },
        }, { highWaterMark: 0 }),
        { headers: { "content-type": "text/plain; charset=utf-8" } },
      );
    }
    case "/sec/aborted":
      return Response.json({ aborted: aborted.has(key) });
    // A producer that awaits plain timers, never its signal: most user code does.
    case "/sec/plain-timer": {
      const entry = countsOf(key);
      entry.made++;
      return streamingResponse(async function* () {
        try {
          for (let i = 0; ; i++) {
            yield `tick ${i}\n`;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        } finally {
          entry.finallies++;
        }
      }, { signal });
    }
    case "/sec/counts":
      return Response.json(countsOf(key));
    // A Response whose declared Content-Length is not its length.
    case "/sec/length-mismatch": {
      const declared = Number(query.get("declared"));
      const body = query.get("body") ?? "";
      return new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(body));
            controller.close();
          },
        }),
        { headers: { "content-length": String(declared), "content-type": "text/plain" } },
      );
    }
    // Handler bugs the host must contain.
    case "/sec/fake-response":
      return Object.create(Response.prototype) as Response; // passes instanceof, is not one
    case "/sec/refused-header":
      return new Response("x", { headers: { "x-bad": "a\u0001b" } }); // Headers allows it; HTTP does not
    case "/sec/used-body": {
      const response = new Response("already read");
      await response.text();
      return response;
    }
    case "/sec/locked-body": {
      const response = new Response("locked");
      response.body!.getReader();
      return response;
    }
    default:
      return undefined;
  }
}
