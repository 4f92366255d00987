/**
 * Which content coding a response gets, portable: `Accept-Encoding` negotiation (RFC
 * 9110 §12.5.3) and the responses `compress` leaves alone. No compression here: the
 * runtimes bring the compressor (`runtimes/_zlib/`).
 * @module
 */
import { controlOf } from "../_body.ts";

/** The codings `compress` can produce. */
export type Coding = "br" | "gzip" | "deflate";

/**
 * The server's default order of preference, which decides a tie of q-values (browsers send
 * "gzip, deflate, br, zstd", all q=1): gzip first, since a flushed stream of small events
 * compresses about as well with it and a gzip stream holds less than half the memory of
 * a Brotli one (about 125 KiB against 280 KiB on Node, measured); br when the client
 * prefers it by q-value.
 */
export const CODINGS: readonly Coding[] = ["gzip", "br", "deflate"];

/**
 * Most characters of `Accept-Encoding` read: a browser sends about 30 ("gzip, deflate,
 * br, zstd"); a longer header is read up to here, so a hostile one costs a bounded scan.
 */
const MAX_HEADER = 4096;

/**
 * The coding to send for `header` (an `Accept-Encoding` value) among `offered` (in the
 * server's order of preference), or `undefined` for identity: no header, nothing
 * acceptable, or only codings we do not offer. The highest q-value wins; a tie goes to
 * the earlier of `offered`. `*` stands for every coding not named; `q=0` refuses. An
 * entry with a malformed q-value is ignored. One pass, linear in the header's length
 * (at most {@link MAX_HEADER} characters), no regular expression.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.3
 */
export function negotiate(header: string | null, offered: readonly Coding[] = CODINGS): Coding | undefined {
  if (header === null) return undefined;
  const text = header.length > MAX_HEADER ? header.slice(0, MAX_HEADER) : header;
  // q-value per offered coding as named, and of "*": -1 = not mentioned.
  const named = offered.map(() => -1);
  let star = -1;
  let at = 0;
  while (at <= text.length) {
    let end = text.indexOf(",", at);
    if (end === -1) end = text.length;
    const entry = text.slice(at, end);
    at = end + 1;
    const semicolon = entry.indexOf(";");
    const name = (semicolon === -1 ? entry : entry.slice(0, semicolon)).trim().toLowerCase();
    if (name === "") continue;
    const q = semicolon === -1 ? 1 : qOf(entry.slice(semicolon + 1));
    if (q === undefined) continue;
    if (name === "*") star = Math.max(star, q);
    else {
      const i = offered.indexOf(name as Coding);
      if (i !== -1) named[i] = Math.max(named[i]!, q);
    }
  }
  let best: Coding | undefined;
  let bestQ = 0;
  for (let i = 0; i < offered.length; i++) {
    const q = named[i] === -1 ? star : named[i]!;
    if (q > bestQ) {
      best = offered[i];
      bestQ = q;
    }
  }
  return best;
}

/**
 * The q-value of an entry's parameters (`q=0.5`, with other parameters ignored), `1`
 * without one, or `undefined` when it is malformed. `qvalue = ( "0" [ "." 0*3DIGIT ] ) /
 * ( "1" [ "." 0*3("0") ] )`, matched by hand.
 */
function qOf(parameters: string): number | undefined {
  let q = 1;
  for (const parameter of parameters.split(";", 8)) {
    const equals = parameter.indexOf("=");
    if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== "q") continue;
    const value = parameter.slice(equals + 1).trim();
    if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value)) return undefined; // anchored, no nesting: linear
    q = Number(value);
  }
  return q;
}

/**
 * Types worth compressing: text (event streams included, unlike Hono's list), JSON,
 * NDJSON, XML, JavaScript, WebAssembly, SVG and the `+json` / `+xml` / `+text` families.
 * Images, audio, video, archives and `application/octet-stream` are already compressed or
 * unknown: left alone.
 */
const COMPRESSIBLE =
  /^\s*(?:text\/[^;\s]+|application\/(?:json|x-ndjson|ndjson|jsonl|javascript|ecmascript|x-javascript|xml|wasm|x-www-form-urlencoded|graphql-response\+json)|image\/svg\+xml|[^;\s/]+\/[^;\s]+\+(?:json|xml|text|yaml))\s*(?:;|$)/i;

/** Whether a `Content-Type` names a type worth compressing. */
export function isCompressible(type: string | null): boolean {
  return type !== null && type.length <= 256 && COMPRESSIBLE.test(type);
}

/** What decides whether a response is compressed. */
export interface Eligibility {
  /** Bytes: a body that declares a `Content-Length` below it is left alone. */
  threshold: number;
}

/**
 * Whether `response` is one `compress` would encode if the client accepts it: it has a
 * body, no `Content-Encoding` yet, is not a range (206, `Content-Range`) nor a file that
 * serves ranges (`Accept-Ranges: bytes`: its bytes are addressed by offset, and would
 * need an ETag of their own), declares no `Content-Length` below the threshold, and its
 * type compresses. `Cache-Control: no-transform` does not stop it: that binds
 * intermediaries, and `compress` is the origin choosing its own encoding.
 */
export function isEligible(response: Response, { threshold }: Eligibility): boolean {
  if (response.body === null || response.status === 206 || response.status < 200) return false;
  const headers = response.headers;
  if (headers.has("content-encoding") || headers.has("content-range")) return false;
  if (headers.get("accept-ranges")?.toLowerCase() === "bytes" || controlOf(response.body)?.file) return false;
  const length = headers.get("content-length");
  if (length !== null && /^\d{1,15}$/.test(length) && Number(length) < threshold) return false;
  return isCompressible(headers.get("content-type"));
}

/**
 * The headers of `response` sent with `coding` (or with none: identity, to a client that
 * takes no coding we offer): `Vary: Accept-Encoding` either way, since the response
 * depends on it; with a coding, `Content-Encoding`, no `Content-Length` (the length
 * changes), and a strong ETag made weak (the bytes differ from identity's).
 */
export function encodedHeaders(response: Response, coding: Coding | undefined): Headers {
  const headers = new Headers(response.headers);
  const vary = headers.get("vary");
  if (vary === null) headers.set("vary", "accept-encoding");
  else if (!/(?:^|,)\s*(?:accept-encoding|\*)\s*(?:,|$)/i.test(vary)) headers.set("vary", `${vary}, accept-encoding`);
  if (coding === undefined) return headers;
  headers.set("content-encoding", coding);
  headers.delete("content-length");
  const etag = headers.get("etag");
  if (etag?.startsWith('"')) headers.set("etag", `W/${etag}`);
  return headers;
}
