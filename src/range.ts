/**
 * Range and conditional requests for `fileResponse`.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-14 (Range requests)
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13 (Conditional requests)
 * @module
 */

/** A byte range to send, both ends inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one range of a `Range` header (RFC 9110 §14.1.2) for a representation of `size`
 * bytes: a range, `"unsatisfiable"` (416), or `undefined` to send the whole thing (no
 * header, a malformed one, another unit, or several ranges, which sluice does not split
 * into multipart).
 */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | undefined {
  if (header === null) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined; // malformed, another unit, or a list of ranges
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? Infinity : Number(last);
  if (end < start) return undefined; // invalid: ignored, as the RFC says
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(end, size - 1) };
}

/**
 * Whether `If-None-Match` matches `etag` by weak comparison (RFC 9110 §13.1.2): `*`, or
 * one of the listed tags with its `W/` ignored.
 */
export function noneMatch(header: string, etag: string | undefined): boolean {
  if (header.trim() === "*") return etag !== undefined;
  if (etag === undefined) return false;
  const opaque = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === opaque);
}

/** Whether a resource last modified at `lastModified` (ms) is unchanged since the HTTP date `header`. */
export function notModifiedSince(header: string, lastModified: number | undefined): boolean {
  if (lastModified === undefined) return false;
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false; // an invalid date is ignored (RFC 9110 §13.1.3)
  return Math.floor(lastModified / 1000) * 1000 <= since;
}

/**
 * Whether `If-Range` lets the range apply (RFC 9110 §13.1.5): an entity tag must match
 * strongly, so a weak one never does; a date must equal Last-Modified exactly.
 */
export function rangeStillValid(header: string | null, etag: string | undefined, lastModified: number | undefined): boolean {
  if (header === null) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith("W/")) {
    return etag !== undefined && !etag.startsWith("W/") && !value.startsWith("W/") && value === etag;
  }
  const date = Date.parse(value);
  return lastModified !== undefined && !Number.isNaN(date) && Math.floor(lastModified / 1000) * 1000 === date;
}
