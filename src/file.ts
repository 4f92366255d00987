/**
 * fileResponse: downloads with Range, conditional requests and Content-Disposition.
 * @module
 */
import { createBody } from "./_body.ts";
import { evaluatePreconditions, rangeStillValid, type Validators } from "./_conditional.ts";
import { contentDisposition } from "./_disposition.ts";
import { describe, quote } from "./_messages.ts";
import { formatHttpDate } from "./_http-date.ts";
import { parseRange, type ByteRange } from "./_range.ts";
import type { FileLike, StreamOptions } from "./types.ts";

export type { FileLike } from "./types.ts";

/**
 * Options of {@link fileResponse}: the body's {@link StreamOptions} (but `onError`: a
 * last chunk would corrupt a file whose length was announced), and what to send.
 */
export interface FileResponseInit extends Omit<StreamOptions, "onError"> {
  /**
   * The request being answered: enables Range, HEAD and conditional (304, 412) responses,
   * and its signal stops the reads when the client leaves (unless `signal` is given).
   */
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

/**
 * Streams a file as a download, in chunks pulled as the client reads them, never
 * holding the file in memory. Sets `Content-Length`, `Accept-Ranges: bytes`,
 * `Content-Type` (the file's or `application/octet-stream`), and `Last-Modified` and a
 * weak `ETag` where the file's modification time is known.
 *
 * With `request`, preconditions are evaluated in the order of RFC 9110 §13.2.2: a failing
 * `If-Match` (strong comparison, or `*`) or `If-Unmodified-Since` gives 412, a matching
 * `If-None-Match` or an unchanged `If-Modified-Since` gives 304; a date that is not an
 * HTTP-date is ignored. Then a single `Range` on a GET gives 206 (`If-Range` honoured),
 * an unsatisfiable one 416 with `Content-Range: bytes *\/SIZE`, a malformed or
 * multi-range one the whole file. `HEAD` gives the headers of the whole file and no body
 * (only GET has range handling, RFC 9110 §14.2).
 *
 * The body takes the stream options (`writeTimeout`, `timeout`, `highWaterMark`,
 * `signal`, which defaults to `request.signal`).
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
  const lastModified =
    typeof file.lastModified === "number" && Number.isFinite(file.lastModified) ? file.lastModified : undefined;
  const etag = lastModified === undefined ? undefined : `W/"${size.toString(16)}-${Math.floor(lastModified).toString(16)}"`;

  const headers = new Headers({ "accept-ranges": "bytes", "content-type": file.type || "application/octet-stream" });
  if (lastModified !== undefined) headers.set("last-modified", formatHttpDate(lastModified));
  if (etag !== undefined) headers.set("etag", etag);
  const disposition = dispositionOf(file, init);
  if (disposition) headers.set("content-disposition", disposition);
  for (const [name, value] of new Headers(init.headers)) headers.set(name, value);

  const method = request?.method ?? "GET";
  const validators: Validators = { etag, lastModified };
  if (request && (method === "GET" || method === "HEAD")) {
    const precondition = evaluatePreconditions(request.headers, validators);
    if (precondition === "not-modified") {
      for (const name of ["content-type", "content-disposition", "accept-ranges"]) headers.delete(name);
      return new Response(null, { status: 304, headers });
    }
    if (precondition === "failed") return empty(412, headers);
  }

  // Only GET has range handling (RFC 9110 §14.2): a HEAD gets the headers of the whole file.
  let range: ByteRange | "unsatisfiable" | undefined;
  if (request && method === "GET" && rangeStillValid(request.headers.get("if-range"), validators)) {
    range = parseRange(request.headers.get("range"), size);
  }
  if (range === "unsatisfiable") {
    headers.set("content-range", `bytes */${size}`);
    return empty(416, headers);
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = Math.max(0, end - start + 1);
  headers.set("content-length", String(length));
  if (range) headers.set("content-range", `bytes ${start}-${end}/${size}`);
  const status = range ? 206 : 200;
  if (method === "HEAD" || length === 0) return new Response(method === "HEAD" ? null : "", { status, headers });
  const { timeout, writeTimeout, highWaterMark } = init;
  const signal = init.signal ?? request?.signal; // a client that leaves stops the reads
  const options = { signal, timeout, writeTimeout, highWaterMark };
  const body = createBody(slicesOf(file, start, end + 1, chunkSize), options, {
    encode: (bytes: Uint8Array) => bytes,
    join: false,
    owned: true, // a Blob's stream gives fresh memory for every read
    file: { file, start, end: end + 1 }, // a runtime may send the file itself (Bun, Deno)
  });
  return new Response(body, { status, headers });
}

/** A response with no content: 412 or 416. */
function empty(status: number, headers: Headers): Response {
  headers.set("content-length", "0");
  for (const name of ["content-disposition", "accept-ranges"]) headers.delete(name);
  return new Response(null, { status, headers });
}

/** The bytes of `file` from `start` to `end` (exclusive), cut into views of at most `chunkSize`. */
function slicesOf(file: FileLike, start: number, end: number, chunkSize: number) {
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
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.size !== "number" ||
    !Number.isSafeInteger(candidate.size) ||
    candidate.size < 0 ||
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
