/**
 * Watching the connections `connectEvents` makes, and cutting one: the `fetch` a panel
 * gives `connectEvents` (its `fetch` option) sees each attempt's request go out, its
 * response come in and its body end, so the panel can show them, and "Kill the
 * connection" can abort the one that is streaming.
 *
 * Why a kill here is an honest demonstration of the resume: it aborts that one attempt's
 * fetch, nothing else. `connectEvents` is not told, its signal is not touched, and the
 * panel makes no request of its own: the read of the body just rejects, as it does when
 * a network drops (Chromium closes the socket, so the server sees the client go, too).
 * What happens next is `connectEvents`' own doing: it counts the attempt as a failure,
 * waits, and makes the next request with `Last-Event-ID`, which the panel shows as
 * `connectEvents` sent it, and the server's log and the words' numbers confirm.
 * @module
 */

/** One request `connectEvents` made, as it went out. */
export interface Attempt {
  /** 1 for the first request of the stream, then 2, 3… */
  number: number;
  method: string;
  /** The URL's path and query. */
  path: string;
  /** The `Last-Event-ID` header it carried (`null`: none, it starts from the first event). */
  lastEventId: string | null;
}

/** What a panel hears of each attempt. Each is optional. */
export interface AttemptHooks {
  /** The request is going out. */
  request?(attempt: Attempt): void;
  /** Its response's status and headers arrived; its body is being read. */
  response?(attempt: Attempt, response: Response): void;
  /**
   * Its body ended (`error` is `undefined` for a clean end, else the kill's reason, a
   * network error, or the reader's cancel), or its request failed without a response. Not
   * called for an error status: {@link response} told it, and connectEvents reads no body.
   */
  end?(attempt: Attempt, error: unknown): void;
}

/** A `fetch` for `connectEvents`, and the kill switch of the attempt it is reading. */
export interface WatchedAttempts {
  fetch: typeof fetch;
  /** Aborts the attempt whose body is being read; false if there is none (before a response, or between attempts). */
  kill(): boolean;
  /** Whether an attempt's body is being read now: what the kill button's state follows. */
  readonly streaming: boolean;
}

/** The reason a killed attempt's read rejects with. */
const KILLED = "killed by the page's button";

/** Watches every attempt of one `connectEvents` stream through `hooks`. */
export function watchAttempts(hooks: AttemptHooks): WatchedAttempts {
  let count = 0;
  /** The kill switch of the attempt whose body is being read. */
  let current: AbortController | undefined;

  const watched = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const attempt: Attempt = {
      number: ++count,
      method: request.method,
      path: url.pathname + url.search,
      lastEventId: request.headers.get("last-event-id"),
    };
    const kill = new AbortController();
    let ended = false;
    const end = (error: unknown) => {
      if (ended) return;
      ended = true;
      if (current === kill) current = undefined;
      hooks.end?.(attempt, error);
    };
    hooks.request?.(attempt);
    let response: Response;
    try {
      // Both signals: connectEvents' own (a stall, a break, its caller's abort) and the kill.
      response = await fetch(request, { signal: AbortSignal.any([request.signal, kill.signal]) });
    } catch (error) {
      end(error);
      throw error;
    }
    const streams = response.ok && response.body !== null;
    if (streams) current = kill;
    hooks.response?.(attempt, response);
    if (!streams || response.body === null) return response;
    const { status, statusText, headers } = response;
    return new Response(observed(response.body, end), { status, statusText, headers });
  };

  return {
    fetch: watched,
    kill: () => {
      if (current === undefined) return false;
      current.abort(new DOMException(KILLED, "AbortError"));
      return true;
    },
    get streaming() {
      return current !== undefined;
    },
  };
}

/**
 * `body`, passed on chunk by chunk as it is read (nothing read ahead, nothing changed),
 * telling `end` how it ended: `undefined` when it is done, else the error its read got,
 * or the reason it was cancelled.
 */
function observed(body: ReadableStream<Uint8Array>, end: (error: unknown) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const read = await reader.read();
          if (read.done) {
            end(undefined);
            controller.close();
          } else controller.enqueue(read.value);
        } catch (error) {
          end(error);
          controller.error(error);
        }
      },
      cancel(reason) {
        end(reason ?? new DOMException("the reader cancelled the body", "AbortError"));
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
