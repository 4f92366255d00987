/**
 * What a Worker (`durableStore`) and a topic's Durable Object (`TopicObject`) say to each
 * other: three requests to the object's `fetch`, with JSON bodies. Both ends are the same
 * sluice version's code in one deployment, but the object still checks what it is sent.
 * @module
 */
import { describe } from "../../src/_messages.ts";
import type { SSEResponseInit } from "../../src/sse.ts";
import type { ReaderOptions, Retention, TopicEntry } from "../../src/store.ts";

/** Any absolute URL does: the request goes to the object, whatever its host. */
export const OBJECT_URL = "https://topic.sluice.internal";

/** `POST /append`: one entry; answered `{ id }`, or 409 `{ error }` after the topic's end. */
export const APPEND = "/append";
/** `POST /follow`: every retained entry, then each new one: a JSON entry per line, a blank line after each batch. */
export const FOLLOW = "/follow";
/** `POST /read`: the object's SSE response for a reader. */
export const READ = "/read";

export interface AppendMessage {
  topic: string;
  entry: TopicEntry;
  retain: Retention;
}

export interface FollowMessage {
  topic: string;
}

/** The options of `sseResponse` that can travel: `onError` and `signal` stay in the Worker. */
export interface WireInit {
  keepAlive?: number | false;
  timeout?: number;
  writeTimeout?: number;
  highWaterMark?: number;
  status?: number;
  statusText?: string;
  headers?: [string, string][];
}

export interface ReadMessage extends ReaderOptions {
  topic: string;
  /** The reader's `Last-Event-ID`, cut to {@link ID_MAX} + 1 characters; null if it sent none. */
  lastEventId: string | null;
  init: WireInit;
}

/**
 * Ids of these topics are at most 24 characters, and a gap event repeats a last id of at
 * most 256 (else null): anything longer reads the same cut to 257 characters, so no more
 * than that is sent to the object.
 */
export const ID_MAX = 256;

/** `init` without what cannot leave the Worker. */
export function wireInit(init: SSEResponseInit | undefined): WireInit {
  const wire: WireInit = {};
  if (init === undefined) return wire;
  for (const key of ["keepAlive", "timeout", "writeTimeout", "highWaterMark", "status", "statusText"] as const) {
    if (init[key] !== undefined) (wire as Record<string, unknown>)[key] = init[key];
  }
  if (init.headers !== undefined) wire.headers = [...new Headers(init.headers)];
  return wire;
}

/** Parses a message's JSON body; a body that is not an object is a `TypeError` naming the route. */
export async function message<T>(request: Request, route: string): Promise<T & { topic: string }> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    body = undefined;
  }
  if (typeof body !== "object" || body === null || typeof (body as { topic?: unknown }).topic !== "string") {
    throw new TypeError(`sluice: a TopicObject's ${route} takes a JSON object with a \`topic\`, got ${describe(body)}.`);
  }
  return body as T & { topic: string };
}
