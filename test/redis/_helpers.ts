/** What the Redis store's tests share: a server per file, stores and topics closed after each test, SSE requests. */
import type { EventSourceMessage } from "eventsource-parser";
import { afterAll, afterEach, beforeAll } from "vitest";
import { readEvents } from "../../src/client.ts";
import { topics, type Topic, type Topics, type TopicsOptions } from "../../src/index.ts";
import { redisStore, type RedisStoreOptions } from "../../stores/redis.ts";
import { type RedisServer, redisMissing, startRedis } from "../_support/redis-server.ts";

export { redisMissing };

/** A redis-server for the file's tests (started before them, stopped after); `undefined` where it is missing. */
export function redisForFile(options?: { appendonly?: boolean; password?: string }): { readonly server: RedisServer } {
  const holder = {} as { server: RedisServer };
  beforeAll(async () => {
    if (redisMissing === undefined) holder.server = await startRedis(options);
  }, 30_000);
  afterAll(async () => {
    await holder.server?.stop();
  });
  return holder;
}

const opened: Topics[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((made) => made.close()));
});

let prefixes = 0;
/** A prefix of keys of its own for each test, so tests that share a server never see each other's topics. */
export function newPrefix(): string {
  return `t${++prefixes}-${Date.now()}:`;
}

/** Topics on a Redis store (an "instance"), closed after the test. */
export function instance(url: string, options: Omit<TopicsOptions, "store"> & { redis?: RedisStoreOptions } = {}): Topics {
  const { redis, ...rest } = options;
  const made = topics({ ...rest, store: redisStore({ url, ...redis }) });
  opened.push(made);
  return made;
}

/** A GET of a topic, resuming after `lastId` (sent as `Last-Event-ID`). */
export function request(lastId?: string, signal?: AbortSignal): Request {
  const init: RequestInit = {};
  if (lastId !== undefined) init.headers = { "last-event-id": lastId };
  if (signal) init.signal = signal;
  return new Request("http://topics.test/t", init);
}

/** Every event of an SSE response, as a client parses them. */
export async function collect(response: Response): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  for await (const event of readEvents(response)) events.push(event);
  return events;
}

export async function publishAll(topic: Topic, items: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const item of items) ids.push(await topic.publish(item));
  return ids;
}

export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => String(from + i));
