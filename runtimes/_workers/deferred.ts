/**
 * A reader's response that the topic's Durable Object gives, while `topic.sseResponse()`
 * must return one at once. It returns a stand-in that `worker()` swaps for the object's own
 * response (status, headers, 204 and all); a stand-in that reaches the client some other
 * way streams the object's body through itself.
 * @module
 */
import { encodeText } from "../../src/_encode.ts";
import { quote } from "../../src/_messages.ts";
import { streamed } from "../../src/_streamed.ts";
import { toStream } from "../../src/body.ts";
import { formatEvent, SSE_TYPE, type SSEResponseInit } from "../../src/sse.ts";

/** Each stand-in's real response, until `worker()` takes it. */
const answers = new WeakMap<Response, Promise<Response>>();

/**
 * A stand-in for the object's `answer` to a reader of `topic`. The real response is the
 * object's, with `onError` (which cannot leave the Worker) applied here to a body that
 * fails; an object that cannot be reached is a 503 with `Retry-After`, so clients retry.
 */
export function deferredResponse(answer: Promise<Response>, init: SSEResponseInit | undefined, topic: string): Response {
  // The status the object streams with: the one `init` asked for (a 201 with a
  // `Location`, say), else 200. Any other but 204 is the object refusing the request.
  const streaming = init?.status ?? 200;
  const real = answer.then(
    (response) => finish(response, streaming, init?.onError, topic),
    (error: unknown) => {
      if (!(init?.signal?.aborted ?? false))
        console.error(`sluice: the Durable Object of topic ${quote(topic)} could not be reached:`, error);
      return unavailable(topic);
    },
  );
  async function* relay(): AsyncGenerator<Uint8Array> {
    const response = await real;
    if (response.status === 204) return;
    if (response.status !== streaming || response.body === null) {
      await response.body?.cancel();
      throw new Error(`sluice: the Durable Object of topic ${quote(topic)} answered ${response.status} to a reader.`);
    }
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  const { onError: _, keepAlive: __, ...head } = init ?? {};
  const standIn = streamed<Uint8Array>(relay, head, { encode: (bytes) => bytes, idle: undefined, owned: true }, SSE_TYPE);
  answers.set(standIn, real);
  return standIn;
}

/** The object's response for a stand-in `worker()` got from its handler; anything else as it is. */
export function settleResponse(response: unknown): unknown {
  if (!(response instanceof Response)) return response;
  const real = answers.get(response);
  if (real === undefined) return response;
  answers.delete(response);
  response.body?.cancel().catch(() => {}); // the stand-in's relay never started: this ends nothing but it
  return real;
}

/** The object's response, with `onError`'s last event sent if its body fails (the object cannot run `onError`). */
function finish(response: Response, streaming: number, onError: SSEResponseInit["onError"], topic: string): Response {
  if (response.status === streaming && response.body !== null && onError !== undefined) {
    const body = toStream(response.body, {
      onError: (error) => {
        const item = onError(error);
        return item === undefined ? undefined : encodeText(formatEvent(item));
      },
    });
    return new Response(body, response);
  }
  if (response.status === streaming || response.status === 204) return response;
  // A request the object refused (its message says why): the Worker's log, not the client, is told.
  void response
    .text()
    .then((text) => console.error(`sluice: the Durable Object of topic ${quote(topic)} answered ${response.status}: ${text}`));
  return unavailable(topic);
}

function unavailable(topic: string): Response {
  return new Response(`the event stream of topic ${quote(topic)} is unavailable; retry shortly`, {
    status: 503,
    headers: { "retry-after": "1", "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}
