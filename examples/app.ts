/**
 * The demo's fetch handler: one page and the streaming routes it reads, on the
 * web-standard `Request`/`Response`. examples/server.ts hosts it on Node (the download
 * and module routes use node:crypto and node:fs); tests host it on a port of their own.
 *
 * | route | what it shows |
 * | --- | --- |
 * | `/` | the page |
 * | `/sse` | `sseResponse`: tokens and ticks, `retry`, resume from `Last-Event-ID` |
 * | `/report` | `htmlResponse`: a report that renders as it arrives |
 * | `/download` | `fileResponse`: a generated file, `Range`, `Repr-Digest` |
 * | `/logs` | `ndjsonResponse`: a log tail |
 * | `/fail` | a producer that throws: the client sees a cut-off body |
 * @module
 */
import type { FetchHandler } from "../runtimes/node.ts";
import { pageHtml } from "./page.ts";
import { downloadRoute } from "./routes/download.ts";
import { failRoute } from "./routes/fail.ts";
import { logsRoute } from "./routes/logs.ts";
import { isModulePath, modulesRoute } from "./routes/modules.ts";
import { reportRoute } from "./routes/report.ts";
import { sseRoute } from "./routes/sse.ts";
import type { Tracer } from "./trace.ts";

/** Options of {@link createDemo}. */
export interface DemoOptions {
  /** Hears what the server does (SSE connections, report sections); tests assert on it. */
  trace?: Tracer;
}

/**
 * The demo's fetch handler.
 * @example
 * ```ts
 * import { serve } from "sluice/node";
 * const server = await serve(createDemo(), { port: 8000 });
 * ```
 */
export function createDemo(options: DemoOptions = {}): FetchHandler {
  const trace = options.trace ?? (() => {});
  return (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method Not Allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const { pathname } = new URL(request.url);
    switch (pathname) {
      case "/":
        return new Response(pageHtml(new URL(request.url).origin), { headers: { "content-type": "text/html; charset=utf-8" } });
      case "/sse":
        return sseRoute(request, trace);
      case "/report":
        return reportRoute(request, trace);
      case "/download":
        return downloadRoute(request);
      case "/logs":
        return logsRoute(request);
      case "/fail":
        return failRoute(request);
      case "/favicon.ico":
        return new Response(null, { status: 204 });
    }
    if (isModulePath(pathname)) return modulesRoute(request);
    return new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  };
}
