/**
 * `Content-Disposition` for downloads, safe for any file name.
 * @see https://www.rfc-editor.org/rfc/rfc6266
 * @see https://www.rfc-editor.org/rfc/rfc8187 (the `filename*` encoding)
 * @module
 */

/**
 * `inline` or `attachment` with an ASCII `filename="…"` fallback and an RFC 8187
 * `filename*=UTF-8''…`. The name is cut to its last path segment and to 255 code points;
 * control characters (C0, C1) and invisible or bidirectional formatting characters are
 * dropped, and no quote or backslash reaches the header raw. Linear in the name's length.
 */
export function contentDisposition(disposition: "inline" | "attachment", filename: string | undefined): string {
  if (filename === undefined) return disposition;
  const name = safeName(filename);
  const ascii = name.replace(/[^\x20-\x7e]/gu, "_").replace(/["\\%]/g, "_");
  if (ascii === name) return `${disposition}; filename="${ascii}"`;
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

/** Longest name sent, in code points: what file systems take (255), so a name never grows the header unbounded. */
const MAX_NAME = 255;
/** Longest extension kept when a name is cut to {@link MAX_NAME}. */
const MAX_EXTENSION = 16;
/**
 * Characters a name must not carry: C0 and C1 controls, DEL, and the invisible and
 * bidirectional formatting characters that make `exe.txt` display as another name
 * (U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF).
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * The last path segment, without unsafe characters or leading dots, at most
 * {@link MAX_NAME} code points (its extension kept); "download" if nothing is left.
 */
function safeName(filename: string): string {
  const segment = filename.slice(Math.max(filename.lastIndexOf("/"), filename.lastIndexOf("\\")) + 1);
  const clean = segment
    .replace(UNSAFE, "")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD") // lone surrogates
    .replace(/^[.\s]+/, "")
    .trim();
  return cap(clean) || "download";
}

/** `name` cut to {@link MAX_NAME} code points, keeping a short extension at its end. */
function cap(name: string): string {
  const points = Array.from(name);
  if (points.length <= MAX_NAME) return name;
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION ? Array.from(name.slice(dot)) : [];
  return (
    points
      .slice(0, MAX_NAME - extension.length)
      .join("")
      .trimEnd() + extension.join("")
  );
}

/** Percent-encodes all but RFC 8187 attr-chars (so `'`, `(`, `)`, `*` too, unlike encodeURIComponent). */
function encodeRfc8187(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
