/**
 * `Content-Disposition` for downloads, safe for any file name.
 * @see https://www.rfc-editor.org/rfc/rfc6266
 * @see https://www.rfc-editor.org/rfc/rfc8187 (the `filename*` encoding)
 * @module
 */

/**
 * `inline` or `attachment` with an ASCII `filename="…"` fallback and an RFC 8187
 * `filename*=UTF-8''…`. The name is cut to its last path segment, and no quote,
 * backslash, CR, LF or other control character reaches the header raw.
 */
export function contentDisposition(disposition: "inline" | "attachment", filename: string | undefined): string {
  if (filename === undefined) return disposition;
  const name = safeName(filename);
  const ascii = name.replace(/[^\x20-\x7e]/gu, "_").replace(/["\\%]/g, "_");
  if (ascii === name) return `${disposition}; filename="${ascii}"`;
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

/** The last path segment, without control characters or leading dots; "download" if nothing is left. */
function safeName(filename: string): string {
  const segment = filename.split(/[/\\]/).pop() ?? "";
  // eslint-disable-next-line no-control-regex
  const clean = segment
    .replace(/[\x00-\x1f\x7f]/g, "")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD") // lone surrogates
    .replace(/^[.\s]+/, "")
    .trim();
  return clean || "download";
}

/** Percent-encodes all but RFC 8187 attr-chars (so `'`, `(`, `)`, `*` too, unlike encodeURIComponent). */
function encodeRfc8187(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
