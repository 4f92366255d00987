/** The benchmark routes, written with sluice: the same handler on every runtime. */
import { sseResponse, streamingResponse } from "../../src/index.ts";
import { bulk, idle, idleEvents, params, ticks, tiny, tokens } from "../workloads.ts";

export function sluiceApp(memory: () => { rss: number; heap: number }) {
  return (request: Request): Response => {
    const url = new URL(request.url);
    const { n, mib, ms, keepAlive } = params(url);
    const { signal } = request;
    switch (url.pathname) {
      case "/sse":
        return sseResponse(tokens(n), { signal });
      case "/tiny":
        return streamingResponse(tiny(n), { signal });
      case "/bulk":
        return streamingResponse(bulk(mib), { signal, headers: { "content-type": "application/octet-stream" } });
      case "/ticks":
        return sseResponse((producer) => ticks(n, ms, producer), { signal });
      case "/idle":
        return sseResponse(idleEvents, { signal, keepAlive });
      case "/stats":
        return Response.json({ ...idle, ...memory() });
      default:
        return new Response("not found", { status: 404 });
    }
  };
}
