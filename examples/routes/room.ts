/**
 * POST /room and GET /room: one chat room that every open tab shares. A message is one
 * `publish()` to the room's topic; every tab reads that topic with `sseResponse()`, so
 * each sees every message once, in the same order. A tab that joins first gets the
 * messages still kept (the topics' retention), and one whose connection drops and reconnects
 * resumes after the last message it had.
 *
 *     curl -N http://localhost:8000/room
 *     curl -d 'hello from a terminal' http://localhost:8000/room
 * @module
 */
import type { Topics } from "../../src/index.ts";
import { badRequest, json, readText } from "./respond.ts";

/** The room's path: GET reads it, POST says something in it. */
export const ROOM_PATH = "/room";
/** The room's topic: a fixed name, never one taken from the request. */
const ROOM_TOPIC = "room";
/** The longest message, in characters (UTF-16 code units, as the page's `maxlength` counts them). */
export const MESSAGE_MAX = 500;
/** The longest body read: a code unit is at most 3 bytes of UTF-8, so any message that fits is read whole. */
const BODY_MAX_BYTES = MESSAGE_MAX * 3;

/** What each message event of the room carries. */
export interface RoomMessage {
  text: string;
  /** When the server published it (ISO 8601). */
  at: string;
}

/**
 * Answers POST /room: the body (UTF-8 text, trimmed, 1 to {@link MESSAGE_MAX} characters)
 * is published to every reader of the room; 200 with `{ id }`, the event's id. Anything
 * else is a 400 that says what to send.
 */
export async function postRoomRoute(request: Request, live: Topics): Promise<Response> {
  const body = await readText(request, BODY_MAX_BYTES);
  if ("problem" in body)
    return badRequest(`send the message as UTF-8 text of at most ${MESSAGE_MAX} characters: ${body.problem}`);
  const text = body.text.trim();
  if (text.length === 0) return badRequest("a message needs some text: send it as the request body.");
  if (text.length > MESSAGE_MAX)
    return badRequest(`a message is at most ${MESSAGE_MAX} characters; this one has ${text.length}.`);
  const message: RoomMessage = { text, at: new Date().toISOString() };
  return json({ id: await live.topic(ROOM_TOPIC).publish({ data: message }) });
}

/** Answers GET /room: the kept messages (or those after the request's last event id), then each new one. */
export function roomRoute(request: Request, live: Topics): Response {
  return live.topic(ROOM_TOPIC).sseResponse(request);
}
