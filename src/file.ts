/**
 * fileResponse: downloads with Range, conditional requests and Content-Disposition.
 * @module
 */
import { createBody } from "./body.ts";
import { contentDisposition } from "./disposition.ts";
import { describe, quote } from "./errors.ts";
import { noneMatch, notModifiedSince, parseRange, rangeStillValid, type ByteRange } from "./range.ts";

/** What `fileResponse` needs of a file. A `Blob` or `File` is one; so is each runtime's `openFile()`. */
export interface FileLike {
  size: number;
  type?: string;
  name?: string;
  /** ms since the epoch. */
  lastModified?: number;
  slice(start?: number, end?: number): { stream(): ReadableStream<Uint8Array> };
}

/** Options of {@link fileResponse}. */
export interface FileResponseInit {
  /** The request being answered: enables Range, HEAD and conditional (304) responses. */
  request?: Request;
  /** The name the client saves it as; defaults to the file's own name when a disposition is asked for. */
  filename?: string;
  /** `attachment` (download; the default when a filename is given) or `inline` (show in the browser). */
  disposition?: "inline" | "attachment";
  /** Extra headers; these win over the computed ones. */
  headers?: HeadersInit;
  /** Bytes per chunk, 1 KiB to 1 MiB; default 64 KiB. */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 64 * 1024;

/** The file range behind each body fileResponse made, for adapters that can send it natively. */
const ranges = new WeakMap<ReadableStream<Uint8Array>, { file: FileLike; start: number; end: number }>();

/**
 * The file and byte range (end exclusive) a `fileResponse` body streams, or `undefined`
 * for any other body. Bun drops `Content-Length` on stream bodies (oven-sh/bun#10507), so
 * its adapter sends the file's own slice instead.
 * @internal
 */
export function fileRangeOf(body: ReadableStream<Uint8Array> | null) {
  return body ? ranges.get(body) : undefined;
}

/**
 * Streams a file as a download, in chunks pulled as the client reads them, never
 * holding the file in memory. Sets `Content-Length`, `Accept-Ranges: bytes`,
 * `Content-Type` (the file's or `application/octet-stream`), and `Last-Modified` and a
 * weak `ETag` where the file's modification time is known.
 *
 * With `request`: a single `Range` gives 206 (`If-Range` honoured), an unsatisfiable one
 * 416 with `Content-Range: bytes *\/SIZE`, a malformed or multi-range one the whole file;
 * `HEAD` gives headers only; `If-None-Match` / `If-Modified-Since` give 304.
 *
 * @example
 * ```ts
 * import { openFile } from "sluice/node";
 * return fileResponse(await openFile("reports/2026.pdf"), { request, filename: "Report 2026.pdf" });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-14
 */
export function fileResponse(file: FileLike, init: FileResponseInit = {}): Response {
  checkFile(file);
  const { request } = init;
  const chunkSize = checkChunkSize(init.chunkSize);
  const size = file.size;
  const lastModified = typeof file.lastModified === "number" && Number.isFinite(file.lastModified) ? file.lastModified : undefined;
  const etag = lastModified === undefined ? undefined : `W/"${size.toString(16)}-${Math.floor(lastModified).toString(16)}"`;

  const headers = new Headers({ "accept-ranges": "bytes", "content-type": file.type || "application/octet-stream" });
  if (lastModified !== undefined) headers.set("last-modified", new Date(lastModified).toUTCString());
  if (etag !== undefined) headers.set("etag", etag);
  const disposition = dispositionOf(file, init);
  if (disposition) headers.set("content-disposition", disposition);
  for (const [name, value] of new Headers(init.headers)) headers.set(name, value);

  const method = request?.method ?? "GET";
  const readable = method === "GET" || method === "HEAD";
  if (request && readable && isNotModified(request, etag, lastModified)) {
    for (const name of ["content-type", "content-disposition", "accept-ranges"]) headers.delete(name);
    return new Response(null, { status: 304, headers });
  }

  let range: ByteRange | "unsatisfiable" | undefined;
  if (request && readable && rangeStillValid(request.headers.get("if-range"), etag, lastModified)) {
    range = parseRange(request.headers.get("range"), size);
  }
  if (range === "unsatisfiable") {
    headers.set("content-range", `bytes */${size}`);
    headers.set("content-length", "0");
    return new Response(null, { status: 416, headers });
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = Math.max(0, end - start + 1);
  headers.set("content-length", String(length));
  if (range) headers.set("content-range", `bytes ${start}-${end}/${size}`);
  const status = range ? 206 : 200;
  if (method === "HEAD" || length === 0) return new Response(method === "HEAD" ? null : "", { status, headers });
  const options = request?.signal ? { signal: request.signal } : {}; // a client that leaves stops the reads
  const body = createBody(chunksOf(file, start, end + 1, chunkSize), options, {
    encode: (bytes: Uint8Array) => bytes,
    join: false,
  });
  ranges.set(body, { file, start, end: end + 1 });
  return new Response(body, { status, headers });
}

/** The bytes of `file` from `start` to `end` (exclusive), cut into views of at most `chunkSize`. */
function chunksOf(file: FileLike, start: number, end: number, chunkSize: number) {
  return async function* (): AsyncGenerator<Uint8Array> {
    const reader = file.slice(start, end).stream().getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        for (let offset = 0; offset < value.byteLength; offset += chunkSize) {
          yield value.subarray(offset, offset + chunkSize);
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  };
}

function isNotModified(request: Request, etag: string | undefined, lastModified: number | undefined): boolean {
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null) return noneMatch(ifNoneMatch, etag); // it takes precedence (RFC 9110 §13.2.2)
  const ifModifiedSince = request.headers.get("if-modified-since");
  return ifModifiedSince !== null && notModifiedSince(ifModifiedSince, lastModified);
}

function dispositionOf(file: FileLike, init: FileResponseInit): string | undefined {
  const { filename, disposition } = init;
  if (filename !== undefined && typeof filename !== "string") {
    throw new TypeError(`sluice: \`filename\` must be a string, got ${describe(filename)}.`);
  }
  if (disposition !== undefined && disposition !== "inline" && disposition !== "attachment") {
    throw new TypeError(`sluice: \`disposition\` must be "inline" or "attachment", got ${quote(disposition)}.`);
  }
  if (filename === undefined && disposition === undefined) return undefined;
  return contentDisposition(disposition ?? "attachment", filename ?? (file.name || undefined));
}

function checkFile(file: unknown): asserts file is FileLike {
  const candidate = file as FileLike | null | undefined;
  if (
    typeof candidate !== "object" || candidate === null ||
    typeof candidate.size !== "number" || !Number.isSafeInteger(candidate.size) || candidate.size < 0 ||
    typeof candidate.slice !== "function"
  ) {
    throw new TypeError(
      `sluice: fileResponse() needs a Blob, a File or openFile(path) from your runtime's adapter ` +
        `(an object with size and slice()), got ${describe(file)}.`,
    );
  }
}

function checkChunkSize(chunkSize: unknown): number {
  if (chunkSize === undefined) return DEFAULT_CHUNK;
  if (typeof chunkSize !== "number" || !Number.isInteger(chunkSize) || chunkSize < 1024 || chunkSize > 1024 * 1024) {
    throw new RangeError(`sluice: \`chunkSize\` must be a whole number of bytes from 1024 to 1048576, got ${quote(chunkSize)}.`);
  }
  return chunkSize;
}
