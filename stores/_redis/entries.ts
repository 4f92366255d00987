/**
 * A topic's entries as Redis Streams hold them, and their ids: stream ids `<ms>-<seq>`,
 * which every instance (and a restarted one) agrees on.
 * @module
 */
import type { StoredEntry, TopicEntry } from "../../src/store.ts";
import type { Reply } from "./connection.ts";

/**
 * A Redis stream id, anchored, with bounded parts: no backtracking, so checking an
 * untrusted `Last-Event-ID` is linear in its length (and it is never sent to Redis).
 */
const STREAM_ID = /^([0-9]{1,20})-([0-9]{1,20})$/;

/** `a` and `b` compared as stream ids (negative: `a` is older), or `undefined` if either is not one. */
export function compareIds(a: string, b: string): number | undefined {
  const x = STREAM_ID.exec(a);
  const y = STREAM_ID.exec(b);
  if (x === null || y === null) return undefined;
  return compareNumbers(x[1]!, y[1]!) || compareNumbers(x[2]!, y[2]!);
}

/** The ms part of a stream id, or `undefined` if `id` is not one. */
export function idTime(id: string): number | undefined {
  const match = STREAM_ID.exec(id);
  return match === null ? undefined : Number(match[1]);
}

/** Two decimal numbers (up to 20 digits, past what a double holds exactly) compared as text. */
function compareNumbers(a: string, b: string): number {
  const x = a.replace(/^0+(?=.)/, "");
  const y = b.replace(/^0+(?=.)/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The fields of an entry in the stream: `k` (the kind) always first, then `d` (data) and `e` (the event type) if any. */
export function entryFields(entry: TopicEntry): string[] {
  const fields = ["k", entry.kind, "d", entry.data];
  if (entry.event !== undefined) fields.push("e", entry.event);
  return fields;
}

/** A stream entry as Redis replies with it (`[id, [field, value, ...]]`), as a stored entry. */
export function toStored(reply: Reply): StoredEntry {
  const [id, fields] = reply as [string, string[]];
  const entry: StoredEntry = { kind: "event", data: "", id, time: Number(id.slice(0, id.indexOf("-"))) };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    switch (fields[i]) {
      case "k":
        if (value === "end" || value === "fail") entry.kind = value;
        break;
      case "d":
        entry.data = value;
        break;
      case "e":
        entry.event = value;
    }
  }
  return entry;
}

/** A topic name Redis can hold as it is: UTF-16 without lone surrogates (which UTF-8 would turn into U+FFFD, so two names could share a key). */
export function checkName(topic: string): void {
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(topic)) {
    throw new TypeError(
      "sluice: the Redis store cannot hold a topic name with a lone surrogate (it has no UTF-8 form); use well-formed text.",
    );
  }
}
