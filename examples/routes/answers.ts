/**
 * POST /answers and GET /answers/<id>: a long answer, like an LLM's, that survives a
 * dropped connection and a reload. POST starts the answer's producer with `topic.run()`,
 * detached from any request, and streams the answer at once (201, its URL in `Location`);
 * GET /answers/<id> streams the same topic with `topic.sseResponse()`, which replays every
 * word after the client's last event id and then goes live. So a client that drops and
 * comes back resumes the one run where it left it: the producer never runs twice, and no
 * word is lost or repeated. The page does this with `connectEvents`: its first attempt is
 * the POST, every later one a GET of the `Location` with `Last-Event-ID`.
 *
 *     curl -N -i -X POST http://localhost:8000/answers      # 201, Location: /answers/<id>, the words
 *     curl -N http://localhost:8000/answers/<id>
 *     curl -N -H 'Last-Event-ID: <an id it sent>' http://localhost:8000/answers/<id>
 * @module
 */
import type { SSEItem } from "../../src/index.ts";
import type { RequestScope } from "../app.ts";
import { sleep } from "../sleep.ts";
import type { Tracer } from "../trace.ts";
import { MAX_RUNNING, type AnswerBook } from "./answer-book.ts";
import { notFound } from "./respond.ts";

/** The path POST starts answers at; each answer streams at `/answers/<id>`. */
export const ANSWERS_PATH = "/answers";
/** Words in an answer. */
export const ANSWER_WORDS = 300;
/** Each word takes 20 to 60 ms: about 12 s for an answer, time enough to reload in the middle of it. */
const WORD_MS = { min: 20, max: 60 };

/** What each `word` event carries: its number, so a client can count repeats and gaps itself. */
export interface Word {
  n: number;
  of: number;
  text: string;
}

/** What the `done` event carries. */
export interface Done {
  words: number;
}

const TEXT =
  "A topic keeps the answer as a log of events, each with an id. The producer writes to the log " +
  "whether or not anyone is reading, and every reader is only a position in it. When the connection " +
  "drops, or the page is reloaded, the client comes back with the id of the last word it had, and " +
  "the server replays what came after it, then goes on live.";
const WORDS = TEXT.split(" ");

/** The text of word `n` (1-based): the words of a short paragraph, over and over. */
export function answerWord(n: number): string {
  return WORDS[(n - 1) % WORDS.length]!;
}

/**
 * The answer's producer: {@link ANSWER_WORDS} numbered `word` events, then `done`. The
 * topic's end alone would close each response cleanly, which a reconnecting client takes
 * for a dropped connection (it reconnects, to be told 204); `done` tells the page the
 * answer is whole, so it stops reading at once. The waits stop when its signal aborts
 * (the run's timeout, or the topics closing).
 */
async function* answer(signal: AbortSignal): AsyncGenerator<SSEItem> {
  for (let n = 1; n <= ANSWER_WORDS; n++) {
    await sleep(WORD_MS.min + Math.random() * (WORD_MS.max - WORD_MS.min), signal);
    const word: Word = { n, of: ANSWER_WORDS, text: answerWord(n) };
    yield { event: "word", data: word };
  }
  const done: Done = { words: ANSWER_WORDS };
  yield { event: "done", data: done };
}

/** What a topic's stream sends when the answer's producer failed: the page stops instead of reconnecting to a failure. */
const FAILED = { onError: () => ({ event: "failed", data: "the answer's producer failed, or the server is shutting down" }) };

/**
 * Answers POST /answers: starts an answer and streams it from its first word, 201 with
 * the answer's URL in `Location`, where a client that loses this response resumes it
 * with GET. Streaming at once saves a round trip before the first word, and a request
 * that starts an answer no client reads; 503 (and `Retry-After`) when too many run.
 * Where the host stops a request's work once its response is over (a Worker), the run is
 * handed to `scope.waitUntil`.
 */
export function startAnswerRoute(request: Request, book: AnswerBook, scope: RequestScope, trace: Tracer): Response {
  const started = book.start(scope.topics, answer);
  if (started === undefined) {
    return new Response(`Service Unavailable: ${MAX_RUNNING} answers are running already; try again in a few seconds.\n`, {
      status: 503,
      headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "5" },
    });
  }
  scope.waitUntil?.(started.done);
  traceAnswer(request, trace);
  return started.topic.sseResponse(request, { ...FAILED, status: 201, headers: { location: `${ANSWERS_PATH}/${started.id}` } });
}

/**
 * Answers GET /answers/<id>: the answer's words after the request's last event id (its
 * `Last-Event-ID` header, else `?lastEventId=`), then the rest as they come. A producer
 * that failed (or timed out) ends the stream with a `failed` event. `trace` hears the
 * `Last-Event-ID` of each connection.
 */
export function answerRoute(request: Request, book: AnswerBook, scope: RequestScope, trace: Tracer): Response {
  const id = new URL(request.url).pathname.slice(ANSWERS_PATH.length + 1);
  const topic = book.find(scope.topics, id);
  if (topic === undefined) {
    const minutes = Math.round(book.keepMs / 60_000);
    return notFound(`this server started no answer with that id, or it has expired (answers are kept ${minutes} minutes).`);
  }
  traceAnswer(request, trace);
  return topic.sseResponse(request, FAILED);
}

/** Tells `trace` how a connection to an answer came: its method, and the `Last-Event-ID` it carried. */
function traceAnswer(request: Request, trace: Tracer): void {
  trace({ route: "answer", method: request.method, lastEventIdHeader: request.headers.get("last-event-id") });
}
