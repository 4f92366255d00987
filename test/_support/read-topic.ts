/**
 * A topic's SSE response read as a client reads it, for the suites that test Topics over
 * HTTP (test/conformance/topics.ts on every host, durable.test.ts on Durable Objects).
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface TopicRead {
  /** 204 means nothing more will come. */
  status: number;
  seen: EventSourceMessage[];
  /** The body ended by itself, not dropped by the client after its budget. */
  ended: boolean;
}

/**
 * Reads the SSE response at `url`, resuming after `lastId`; stops after `budget` events,
 * dropping the connection. `cutIsEnd`: a connection the server cuts (a restart) ends the
 * read like a clean end, instead of failing it. `onEvent` is told of each event as it
 * arrives.
 */
export async function readTopic(
  url: URL,
  lastId: string | undefined,
  budget = Infinity,
  {
    cutIsEnd = false,
    onEvent,
    ...init
  }: RequestInit & { cutIsEnd?: boolean; onEvent?: (event: EventSourceMessage) => void } = {},
): Promise<TopicRead> {
  const controller = new AbortController();
  const headers: Record<string, string> = lastId === undefined ? {} : { "last-event-id": lastId };
  const response = await fetch(url, { ...init, headers, signal: controller.signal });
  const seen: EventSourceMessage[] = [];
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status, seen, ended: true };
  }
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent: (event) => {
      seen.push(event);
      onEvent?.(event);
    },
  });
  const reader = response.body!.getReader();
  for (;;) {
    if (seen.length >= budget) {
      controller.abort(); // the client drops the connection mid-stream
      await reader.cancel().catch(() => {});
      return { status: 200, seen: seen.slice(0, budget), ended: false };
    }
    const read = reader.read();
    const { done, value } = cutIsEnd ? await read.catch(() => ({ done: true as const, value: undefined })) : await read;
    if (done) return { status: 200, seen, ended: true };
    parser.feed(decoder.decode(value, { stream: true }));
  }
}

/**
 * A client that reads `url` and drops the connection after 1 to `most` events (drawn from
 * `next`), then reconnects with its last id, until the server answers 204. Returns every
 * event's data and how many connections it took. Throws on any other status, and on a
 * gap event: a reader that resumes exactly never gets one.
 */
export async function readReconnecting(url: URL, next: () => number, most: number): Promise<{ data: string[]; rounds: number }> {
  const data: string[] = [];
  let lastId: string | undefined;
  for (let rounds = 0; ; rounds++) {
    const { status, seen } = await readTopic(url, lastId, 1 + Math.floor(next() * most));
    if (status === 204) return { data, rounds };
    if (status !== 200) throw new Error(`${url} answered ${status}, not 200 or 204`);
    for (const event of seen) {
      if (event.event !== undefined) throw new Error(`a ${event.event} event after ${lastId}: ${event.data}`);
      data.push(event.data);
      lastId = event.id;
    }
  }
}
