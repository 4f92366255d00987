/**
 * One request a server is answering, as the fetch-style adapters (Deno, Bun, Workers)
 * follow it: what its handler's signal means, and when its response stops being open.
 * @module
 */
import { disconnectReason } from "../_reasons.ts";
import type { OpenResponses } from "./serve.ts";
import { controlOf } from "../_body.ts";
import type { BodyControl } from "../_contract.ts";
import { finishResponse, whenBodyEnds, type RuntimeTraits } from "./exchange.ts";
import { READY_TICKS } from "../_join.ts";
import { isThenable } from "../_source.ts";

/** Makes the handler's copy of the request, whose signal is `signal`. */
export type CopyRequest = (incoming: Request, signal: AbortSignal) => Request;

/** The copy `new Request(incoming, { signal })`: reads the incoming request's signal (see the Deno adapter). */
const copyWithSignal: CopyRequest = (incoming, signal) => new Request(incoming, { signal });

/**
 * A request in flight. The handler gets a copy of it whose signal aborts
 * only when the client leaves before the response is complete (a `StreamAbortError` of
 * type `"disconnect"`, on every runtime) or the server shuts down (`"shutdown"`). Until
 * its response has ended, it is one of the server's open responses, so `close()` can
 * abort it and wait for it.
 */
export class InFlight {
  readonly #incoming: Request;
  readonly #copy: CopyRequest;
  readonly #client = new AbortController();
  /** The response was sent whole: an abort the runtime reports after that means nothing. */
  #complete = false;
  #body: BodyControl | undefined;
  #release: (() => void) | undefined;
  #over = false;
  #ended: Promise<void> | undefined;
  #resolveEnded: (() => void) | undefined;

  constructor(incoming: Request, open?: OpenResponses, copy: CopyRequest = copyWithSignal) {
    this.#incoming = incoming;
    this.#copy = copy;
    this.#release = open?.add((reason) => this.#abort(reason));
  }

  /**
   * Calls `handler` with the request (its signal ours) and makes what it returned safe to
   * send (`finishResponse`). If it throws, the response is not open (the runtime answers
   * 500). The request is not kept: a long stream holds only what its producer holds.
   * `waiting` is called if the handler has not answered within a few microtask turns
   * (it waits for I/O): an adapter that watches for a client leaving only then.
   */
  async respond(handler: (request: Request) => unknown, traits: RuntimeTraits, waiting?: () => void): Promise<Response> {
    const request = this.#copy(this.#incoming, this.#client.signal);
    let value: unknown;
    try {
      const answer = handler(request);
      value = waiting !== undefined && isThenable(answer) ? await watched(answer, waiting) : await answer;
    } catch (error) {
      this.done();
      throw error;
    }
    return finishResponse(value, request, traits);
  }

  /**
   * The runtime says the client is gone (its request's signal aborted). Passed on unless
   * the response was complete: Deno aborts that signal after a complete response too.
   */
  clientGone(): void {
    if (!this.#complete) this.#abort(disconnectReason());
  }

  /**
   * `response`, followed to its end: complete or not, and then no longer open. A body
   * sluice did not make is read through a pass-through for that (see `whenBodyEnds`).
   */
  tracked(response: Response): Response {
    this.#body = controlOf(response.body);
    // The runtime cancels a body only when its client has gone, and then with a reason
    // of its own; whichever it does first, cancel or abort the request's signal, the
    // producer is told the one reason ("disconnect").
    this.#body?.onCancel(() => this.clientGone());
    return whenBodyEnds(
      response,
      (complete, cancelled) => {
        this.#complete = complete;
        if (cancelled) this.clientGone(); // as for a body sluice made: the runtime cancels it when its client leaves
        this.done();
      },
      this.#client.signal,
    );
  }

  /**
   * `response` with a body Deno sends without JavaScript (a file, a `fetch()` body):
   * reading it through a pass-through would cost that (Deno proxies 40% slower), so it is
   * not followed, and counts as complete: the abort Deno reports after every response,
   * complete or not, is not passed on. It stays open until the adapter calls
   * {@link InFlight.done}.
   */
  sentNatively(response: Response): Response {
    this.#complete = true;
    return response;
  }

  /**
   * Settles once the response is over: its body ended (or was never sent), or the runtime
   * said so. Made on first use: only the Workers adapter waits on it.
   */
  get ended(): Promise<void> {
    this.#ended ??= this.#over ? Promise.resolve() : new Promise<void>((resolve) => (this.#resolveEnded = resolve));
    return this.#ended;
  }

  /** The response is over (or the runtime says so): it is no longer open. */
  done(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
    this.#over = true;
    this.#resolveEnded?.();
  }

  #abort(reason: unknown): void {
    this.#client.abort(reason);
    this.#body?.abort(reason);
  }
}

/**
 * Settles as `answer` does; calls `waiting` first if `answer` is still pending after
 * {@link READY_TICKS} microtask turns, the bound of "at once" everywhere in sluice.
 */
async function watched(answer: PromiseLike<unknown>, waiting: () => void): Promise<unknown> {
  let settled = false;
  const settling = Promise.resolve(answer).finally(() => {
    settled = true;
  });
  for (let tick = 0; tick < READY_TICKS && !settled; tick++) await undefined;
  if (!settled) waiting();
  return settling;
}
