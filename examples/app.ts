/**
 * The demo's fetch handler: one page and the streaming routes it reads, on the
 * web-standard `Request`/`Response`, with no runtime-specific import, so every host runs
 * the same handler: examples/server.ts on Node, examples/deno.ts, examples/bun.ts, and
 * examples/worker.ts on a Worker (wrangler). Tests host it on a port of their own.
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
 * | `/modules/…`, `/vendor/…` | the page's ES modules (`DemoOptions.modules`; a Worker serves them as static assets) |
 *
 * Every route answers GET and HEAD, except `/answers` (POST only) and `/room` (POST too).
 * @module
 */
import { type Retention, type Topics, topics, type TopicStore } from "../src/index.ts";
import { pageHtml } from "./page.ts";
import { AnswerBook } from "./routes/answer-book.ts";
import { ANSWERS_PATH, answerRoute, startAnswerRoute } from "./routes/answers.ts";
import { downloadRoute } from "./routes/download.ts";
import { failRoute } from "./routes/fail.ts";
import { logsRoute } from "./routes/logs.ts";
import { reportRoute } from "./routes/report.ts";
import { postRoomRoute, ROOM_PATH, roomRoute } from "./routes/room.ts";
import { sseRoute } from "./routes/sse.ts";
import type { Tracer } from "./trace.ts";

/** The runtime hosting the demo: the page names it, and says what differs on a Worker. */
export type Runtime = "Node" | "Deno" | "Bun" | "Workers";

/** Options of {@link createDemo}. */
export interface DemoOptions {
  runtime: Runtime;
  /**
   * Serves the page's ES modules (`modulesRoute(openFile)` from examples/routes/modules.ts,
   * with the adapter's `openFile`); absent on a Worker, whose static assets serve them.
   */
  modules?: (request: Request) => Promise<Response>;
  /** Hears what the server does (SSE and answer connections, report sections); tests assert on it. */
  trace?: Tracer;
  /**
   * Where the room and the answers are kept: default the embedded memory store (this
   * process only); `redisStore({ url })` shares them with every instance on that Redis.
   * A Worker passes its topics per request instead ({@link RequestScope}).
   */
  store?: TopicStore;
  /** Aborting it stops the answers still running and closes the demo's topics (tests do, when they stop the server). */
  signal?: AbortSignal;
}

/**
 * What a request's routes work with, where the host gives it per request: a Worker makes
 * its topics in each request (`durableStore(env.TOPICS)`: one request cannot read a
 * stream another opened) and keeps work going past the response with `ctx.waitUntil`.
 */
export interface RequestScope {
  /** The room's and the answers' topics: made with {@link RETAIN}. */
  topics: Topics;
  /** Keeps `work` going after the response (a Worker's `ctx.waitUntil`); absent where the process runs on by itself. */
  waitUntil?: (work: Promise<unknown>) => void;
}

/** The demo's handler: a fetch handler, which a Worker calls with the request's {@link RequestScope}. */
export type DemoHandler = (request: Request, scope?: RequestScope) => Response | Promise<Response>;

/**
 * How long the demo's topics keep each event: 10 minutes after it was published (and at
 * most 1,000 per topic; a whole answer is 301). So answers do not live for ever: the
 * store forgets an ended answer once its events have expired, and its id stops working
 * when its first event does. A tab that joins the room sees the last 10 minutes of it.
 */
const KEEP_MS = 10 * 60_000;
/** The demo topics' retention, on every store. */
export const RETAIN: Retention = { events: 1_000, ms: KEEP_MS };

/** The paths that take POST, and every method each answers; the others answer GET and HEAD. */
const METHODS = new Map([
  [ANSWERS_PATH, ["POST"]],
  [ROOM_PATH, ["GET", "HEAD", "POST"]],
]);

/**
 * The demo's fetch handler.
 * @example
 * ```ts
 * import { openFile, serve } from "sluice/node";
 * const server = await serve(createDemo({ runtime: "Node", modules: modulesRoute(openFile) }), { port: 8000 });
 * ```
 */
export function createDemo(options: DemoOptions): DemoHandler {
  const trace = options.trace ?? (() => {});
  // Made here, not once per module: each handler (each test's server) has topics of its own.
  // A Worker never uses them: its requests bring their own (made lazily, so none is made there).
  let own: RequestScope | undefined;
  const ownScope = () => {
    own ??= { topics: topics({ retain: RETAIN, ...(options.store && { store: options.store }) }) };
    return own;
  };
  const answers = new AnswerBook(KEEP_MS);
  options.signal?.addEventListener("abort", () => void own?.topics.close(), { once: true });
  return (request, given) => {
    const scope = () => given ?? ownScope();
    const { pathname } = new URL(request.url);
    const allowed = METHODS.get(pathname) ?? ["GET", "HEAD"];
    if (!allowed.includes(request.method)) {
      return new Response("Method Not Allowed\n", { status: 405, headers: { allow: allowed.join(", ") } });
    }
    switch (pathname) {
      case "/":
        return new Response(pageHtml(new URL(request.url).origin, options.runtime), {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      case "/sse":
        return sseRoute(request, trace);
      case "/report":
        return reportRoute(request, trace);
      case "/download":
        return downloadRoute(request);
      case "/logs":
        return logsRoute(request);
      case "/fail":
        return failRoute(request, options.runtime === "Workers");
      case ANSWERS_PATH:
        return startAnswerRoute(request, answers, scope(), trace);
      case ROOM_PATH:
        return request.method === "POST" ? postRoomRoute(request, scope().topics) : roomRoute(request, scope().topics);
      case "/favicon.ico":
        return new Response(null, { status: 204 });
    }
    if (pathname.startsWith(`${ANSWERS_PATH}/`)) return answerRoute(request, answers, scope(), trace);
    if (options.modules && (pathname.startsWith("/modules/") || pathname.startsWith("/vendor/"))) return options.modules(request);
    return new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  };
}
