/**
 * The clients of the failover test (`test/stress/failover.test.ts`): readers on the built
 * `sluice/client`'s `connectEvents` that note which instance answered each attempt and how
 * its body ended, a publisher's POST, and the count of what a reader got wrong.
 */
import { GAP_EVENT } from "../../src/gap.ts";

type Client = typeof import("../../src/client.ts");
/** `sluice/client` as the package ships it (dist/, built by `npm run test:stress`). */
const { connectEvents } = (await import(new URL("../../dist/src/client.js", import.meta.url).href)) as Client;

/** One request `connectEvents` made. */
export interface Attempt {
  /** `performance.now()` when it was sent. */
  at: number;
  /** The `x-instance` header of the response: which instance answered. */
  instance: string | undefined;
  /** 0 when no response came (the connection failed). */
  status: number;
  /** How its body ended: as HTTP framed it, as an error (cut off), or cancelled by the client; unset while it is open. */
  end?: "clean" | "error" | "cancelled";
}

export interface Reader {
  /** The sequence number of each event, in the order they came. */
  readonly seqs: number[];
  /** `performance.now()` at each event, and the instance that sent it. */
  readonly times: number[];
  readonly from: (string | undefined)[];
  /** The data of each gap event. */
  readonly gaps: string[];
  readonly attempts: Attempt[];
  /** Settles when the stream ends (204 after the topic's end, or `signal`); `error` is what ended it otherwise. */
  readonly done: Promise<void>;
  error?: unknown;
}

/** The retry the readers use: a quick failover, a little jitter so they do not all come back at once. */
export const READER_RETRY = { initial: 50, max: 500, jitter: 50 };

/** A reader of `url` (an instance's `/events`, usually through the proxy) with `connectEvents`; `onEvent` is told each sequence number as it comes. */
export function startReader(url: URL, signal: AbortSignal, onEvent?: (seq: number) => void): Reader {
  const reader: Reader = {
    seqs: [],
    times: [],
    from: [],
    gaps: [],
    attempts: [],
    done: Promise.resolve(),
  };
  let current: Attempt | undefined;
  // The real fetch; the body is passed through a stream that notes how it ended.
  const noting = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const attempt: Attempt = { at: performance.now(), instance: undefined, status: 0 };
    reader.attempts.push(attempt);
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      attempt.end = "error";
      throw error;
    }
    attempt.instance = response.headers.get("x-instance") ?? undefined;
    attempt.status = response.status;
    current = attempt;
    if (response.body === null) {
      attempt.end = "clean";
      return response;
    }
    const source = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await source.read();
          if (done) {
            attempt.end = "clean";
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          attempt.end = "error";
          controller.error(error);
        }
      },
      cancel(reason) {
        attempt.end ??= "cancelled";
        return source.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const stream = connectEvents(url, { retry: READER_RETRY, signal, fetch: noting as typeof fetch });
  (reader as { done: Promise<void> }).done = (async () => {
    for await (const event of stream) {
      if (event.event === GAP_EVENT) {
        reader.gaps.push(event.data);
        continue;
      }
      const seq = Number.parseInt(event.data, 10);
      reader.seqs.push(seq);
      reader.times.push(performance.now());
      reader.from.push(current?.instance);
      onEvent?.(seq);
    }
  })().catch((error: unknown) => {
    reader.error = error;
  });
  return reader;
}

/** An event's data: its sequence number, then padding to `bytes` (an event of a realistic size). */
export function payload(seq: number, bytes = 100): string {
  const head = `${seq} `;
  return head + "x".repeat(Math.max(0, bytes - head.length));
}

/**
 * What a publisher's POST came to: `ms` as the publisher saw it, `storeMs` how long the
 * instance's `publish` took (measured there: the code, without this process's own delays).
 */
export type Published =
  | { ok: true; id: string; ms: number; storeMs: number }
  | { ok: false; status: number; error: string; ms: number; storeMs: number };

/** POSTs `data` to an instance's `/publish` (or `/end` with `path`). */
export async function post(instance: URL, topic: string, data: string, path = "publish"): Promise<Published> {
  const started = performance.now();
  try {
    const response = await fetch(new URL(`${path}?topic=${encodeURIComponent(topic)}`, instance), { method: "POST", body: data });
    const answer = (await response.json()) as { id?: string; error?: string; ms?: number };
    const ms = performance.now() - started;
    const storeMs = answer.ms ?? Number.NaN;
    if (response.ok) return { ok: true, id: answer.id ?? "", ms, storeMs };
    return { ok: false, status: response.status, error: answer.error ?? `status ${response.status}`, ms, storeMs };
  } catch (error) {
    const ms = performance.now() - started;
    return { ok: false, status: 0, error: String((error as Error).message), ms, storeMs: Number.NaN };
  }
}

/**
 * What is wrong with `seqs` against the log's order `order`: numbers repeated, numbers of
 * `required` (default: all of `order`) missing, numbers that came before one earlier in
 * the log, and numbers not in `order` at all.
 */
export function tally(seqs: readonly number[], order: readonly number[], required: readonly number[] = order) {
  const position = new Map(order.map((seq, i) => [seq, i]));
  const seen = new Set(seqs);
  let outOfOrder = 0;
  for (let i = 1; i < seqs.length; i++) {
    if ((position.get(seqs[i]!) ?? Infinity) <= (position.get(seqs[i - 1]!) ?? -Infinity)) outOfOrder++;
  }
  return {
    duplicates: seqs.length - seen.size,
    missing: required.filter((seq) => !seen.has(seq)).length,
    outOfOrder,
    unexpected: seqs.filter((seq) => !position.has(seq)).length,
  };
}

/** Waits until `check()` holds, polling every 10 ms; throws saying `what` after `ms`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
