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
 * | `POST /answers` | `topic.run`: starts a long answer detached from any request, and streams it (201, `Location`) |
 * | `/answers/<id>` | `topic.sseResponse`: the answer, resumed after `Last-Event-ID` (or `?lastEventId=`) |
 * | `/room` | `topic.sseResponse`: a room every tab reads; `POST` a message to `publish` it |
 *
 * Every route answers GET and HEAD, except `/answers` (POST only) and `/room` (POST too).
 * @module
 */
import type { FetchHandler } from "../runtimes/node.ts";
import { topics, type TopicStore } from "../src/index.ts";
import { pageHtml } from "./page.ts";
import { AnswerBook } from "./routes/answer-book.ts";
import { ANSWERS_PATH, answerRoute, startAnswerRoute } from "./routes/answers.ts";
import { downloadRoute } from "./routes/download.ts";
import { failRoute } from "./routes/fail.ts";
import { logsRoute } from "./routes/logs.ts";
import { isModulePath, modulesRoute } from "./routes/modules.ts";
import { reportRoute } from "./routes/report.ts";
import { postRoomRoute, ROOM_PATH, roomRoute } from "./routes/room.ts";
import { sseRoute } from "./routes/sse.ts";
import type { Tracer } from "./trace.ts";

/** Options of {@link createDemo}. */
export interface DemoOptions {
  /** Hears what the server does (SSE and answer connections, report sections); tests assert on it. */
  trace?: Tracer;
  /**
   * Where the room and the answers are kept: default the embedded memory store (this
   * process only); `redisStore({ url })` shares them with every instance on that Redis.
   */
  store?: TopicStore;
  /** Aborting it stops the answers still running and closes the demo's topics (tests do, when they stop the server). */
  signal?: AbortSignal;
}

/**
 * How long the demo's topics keep each event: 10 minutes after it was published (and at
 * most 1,000 per topic; a whole answer is 301). So answers do not live for ever: the
 * store forgets an ended answer once its events have expired, and its id stops working
 * when its first event does. A tab that joins the room sees the last 10 minutes of it.
 */
const KEEP_MS = 10 * 60_000;

/** The paths that take POST, and every method each answers; the others answer GET and HEAD. */
const METHODS = new Map([
  [ANSWERS_PATH, ["POST"]],
  [ROOM_PATH, ["GET", "HEAD", "POST"]],
]);

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
  // Made here, not once per module: each handler (each test's server) has topics of its own.
  const live = topics({ retain: { events: 1_000, ms: KEEP_MS }, ...(options.store && { store: options.store }) });
  const answers = new AnswerBook(live, KEEP_MS);
  options.signal?.addEventListener("abort", () => void live.close(), { once: true });
  return (request) => {
    const { pathname } = new URL(request.url);
    const allowed = METHODS.get(pathname) ?? ["GET", "HEAD"];
    if (!allowed.includes(request.method)) {
      return new Response("Method Not Allowed\n", { status: 405, headers: { allow: allowed.join(", ") } });
    }
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
      case ANSWERS_PATH:
        return startAnswerRoute(request, answers, trace);
      case ROOM_PATH:
        return request.method === "POST" ? postRoomRoute(request, live) : roomRoute(request, live);
      case "/favicon.ico":
        return new Response(null, { status: 204 });
    }
    if (pathname.startsWith(`${ANSWERS_PATH}/`)) return answerRoute(request, answers, trace);
    if (isModulePath(pathname)) return modulesRoute(request);
    return new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  };
}
