/**
 * The benchmark routes as a naive pull `ReadableStream`: one `next()` of the source and
 * one `enqueue` per pull, one `TextEncoder.encode` per item. What most code does by hand.
 */
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

const encoder = new TextEncoder();

function naive<T>(
  source: AsyncIterator<T>,
  encode: (item: T) => Uint8Array,
  headers: Record<string, string>,
  signal?: AbortSignal,
) {
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await source.next();
        if (done) controller.close();
        else controller.enqueue(encode(value));
      },
      cancel: () => void source.return?.(undefined),
    },
    { highWaterMark: 0 },
  );
  signal?.addEventListener("abort", () => void source.return?.(undefined), { once: true });
  return new Response(body, { headers });
}

const sse = (event: { data: unknown }) => encoder.encode(sseLine(event));

export function naiveApp(memory: () => { rss: number; heap: number }) {
  return (request: Request): Response => {
    const url = new URL(request.url);
    const { n, mib, ms } = params(url);
    switch (url.pathname) {
      case "/sse":
        return naive(tokens(n), sse, SSE_HEADERS);
      case "/tiny":
        return naive(tiny(n), (text) => encoder.encode(text), TEXT_HEADERS);
      case "/bulk":
        return naive(bulk(mib), (bytes) => bytes, BYTES_HEADERS);
      case "/ticks":
        return naive(ticks(n, ms, request.signal), sse, SSE_HEADERS);
      case "/idle":
        return naive(idleEvents(request.signal), sse, SSE_HEADERS, request.signal);
      case "/stats":
        return Response.json({ ...idle, ...memory() });
      default:
        return new Response("not found", { status: 404 });
    }
  };
}
