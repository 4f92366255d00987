/**
 * Conditional requests for `fileResponse`: `If-Match`, `If-Unmodified-Since`,
 * `If-None-Match`, `If-Modified-Since` and `If-Range`, evaluated in the order of
 * RFC 9110 §13.2.2. Every header is scanned once, so the time is linear in its length.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13
 * @module
 */
import { parseHttpDate } from "./_http-date.ts";

/** What a file's validators are: its entity tag and its modification time (ms). */
export interface Validators {
  etag: string | undefined;
  lastModified: number | undefined;
}

/** What the preconditions of a GET or HEAD say: go on, 304, or 412. */
export type Precondition = "proceed" | "not-modified" | "failed";

/**
 * Evaluates the preconditions of a GET or HEAD (RFC 9110 §13.2.2):
 * 1. `If-Match` that matches no current tag (strong comparison) fails; else, without it,
 * 2. `If-Unmodified-Since` fails if the file changed after that date;
 * 3. `If-None-Match` that matches (weak comparison) is "not modified"; else, without it,
 * 4. `If-Modified-Since` is "not modified" if the file has not changed since that date.
 * A date that is not an HTTP-date is ignored, as is a date when the file has none.
 */
export function evaluatePreconditions(headers: Headers, validators: Validators): Precondition {
  const { etag, lastModified } = validators;
  const ifMatch = headers.get("if-match");
  if (ifMatch !== null) {
    if (!matchesAny(ifMatch, etag, "strong")) return "failed";
  } else {
    const since = dateOf(headers.get("if-unmodified-since"));
    if (since !== undefined && lastModified !== undefined && wholeSeconds(lastModified) > since) return "failed";
  }
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (matchesAny(ifNoneMatch, etag, "weak")) return "not-modified";
  } else {
    const since = dateOf(headers.get("if-modified-since"));
    if (since !== undefined && lastModified !== undefined && wholeSeconds(lastModified) <= since) return "not-modified";
  }
  return "proceed";
}

/**
 * Whether `If-Range` lets the range apply (RFC 9110 §13.1.5): an entity tag must match
 * strongly (so a weak one never does); a date must be an HTTP-date equal to the file's
 * modification time. Anything else: the range is ignored and the file sent whole.
 */
export function rangeStillValid(header: string | null, validators: Validators): boolean {
  if (header === null) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return matchesAny(value, validators.etag, "strong", false);
  const date = parseHttpDate(value);
  return date !== undefined && validators.lastModified !== undefined && wholeSeconds(validators.lastModified) === date;
}

/**
 * Whether a list of entity tags (or `*`) matches `etag` (RFC 9110 §8.8.3.2): "strong"
 * needs both tags strong and equal, "weak" ignores the `W/`. `*` matches any current
 * representation, which a file always has. A malformed list matches nothing.
 */
export function matchesAny(header: string, etag: string | undefined, comparison: "strong" | "weak", list = true): boolean {
  if (header.trim() === "*") return list;
  if (etag === undefined) return false;
  const etagWeak = etag.startsWith("W/");
  const opaque = etagWeak ? etag.slice(2) : etag;
  let at = 0;
  const length = header.length;
  for (;;) {
    // OWS and empty list elements before the next tag.
    while (at < length && (header[at] === " " || header[at] === "\t" || (list && header[at] === ","))) at++;
    if (at === length) return false;
    const weak = header.startsWith("W/", at);
    if (weak) at += 2;
    if (header[at] !== '"') return false; // malformed
    const close = header.indexOf('"', at + 1);
    if (close === -1) return false;
    const equal = close + 1 - at === opaque.length && header.startsWith(opaque, at);
    if (equal && (comparison === "weak" || (!weak && !etagWeak))) return true;
    at = close + 1;
    while (at < length && (header[at] === " " || header[at] === "\t")) at++;
    if (at < length && (!list || header[at] !== ",")) return false; // malformed
  }
}

function dateOf(header: string | null): number | undefined {
  return header === null ? undefined : parseHttpDate(header.trim());
}

/** HTTP dates have whole seconds; a file's time has milliseconds. */
function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
