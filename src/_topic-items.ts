/**
 * What goes into a topic and what comes out: a published item checked and turned into an
 * entry, and an entry as each kind of reader hands it out (SSE bytes, or an event object).
 * @module
 */
import { encodeText } from "./_encode.ts";
import { describe } from "./_messages.ts";
import type { ReaderView } from "./_topic-reader.ts";
import { GAP_EVENT, type Gap } from "./gap.ts";
import { eventData, eventName, formatEvent, type SSEItem } from "./sse.ts";
import type { TopicEntry } from "./store.ts";
import type { TopicEvent } from "./topics.ts";

/** A reader of an SSE response: each entry's shared bytes; a gap as one encoded event. */
export const sseView: ReaderView<Uint8Array> = {
  entry: (entry) => entry.bytes,
  run: (log, from, to) => log.joined(from, to),
  gap: (gap) => encodeText(formatEvent({ event: GAP_EVENT, data: gap })),
};

/** A reader of `topic.read()`: event objects. */
export const eventView: ReaderView<TopicEvent> = {
  entry: ({ stored }) =>
    stored.event === undefined ? { id: stored.id, data: stored.data } : { id: stored.id, event: stored.event, data: stored.data },
  gap: (gap: Gap, lastId) => ({ id: lastId ?? "", event: GAP_EVENT, data: JSON.stringify(gap) }),
};

/** A published item as an entry: its data as clients receive it, and its event type. */
export function toEntry(item: SSEItem): TopicEntry {
  if (typeof item === "string" || ArrayBuffer.isView(item) || item instanceof ArrayBuffer) {
    return { kind: "event", data: eventData(item) };
  }
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new TypeError(`sluice: a topic event must be a string, bytes or { event?, data }, got ${describe(item)}.`);
  }
  for (const key of ["id", "retry", "comment"] as const) {
    if (item[key] !== undefined) {
      throw new TypeError(
        `sluice: a topic event cannot have \`${key}\`: ` +
          (key === "id" ? "the store gives each event its id (publish() resolves to it)." : "it has only `event` and `data`.") +
          ` Remove \`${key}\`.`,
      );
    }
  }
  if (item.data === undefined) {
    throw new TypeError("sluice: a topic event needs `data`: clients do not dispatch an event without it.");
  }
  const entry: TopicEntry = { kind: "event", data: eventData(item.data) };
  if (item.event !== undefined) entry.event = eventName(item.event);
  return entry;
}
