/**
 * GET /download: a generated 4 MiB file through `fileResponse`, sent at a modest pace so
 * the page's progress bar has something to show. Supports `Range` (and `If-Range`), so
 * an interrupted download resumes where it stopped; `Repr-Digest` carries the whole
 * file's SHA-256 for the client to check.
 * @module
 */
import { fileResponse, type FileLike } from "../../src/index.ts";

/** The size of the generated file. */
export const FILE_SIZE = 4 * 1024 * 1024;
/** The pace it is sent at: about two seconds for the whole file. */
const BYTES_PER_SECOND = 2 * 1024 * 1024;
/** The name the browser saves it as. */
const FILE_NAME = "sluice-demo.bin";

let generated: { bytes: Uint8Array<ArrayBuffer>; lastModified: number } | undefined;
let digested: Promise<string> | undefined;

/**
 * The generated file's bytes: the same pseudo-random bytes on every run (xorshift32
 * from a fixed seed), so a download can be checked against them.
 */
export function demoBytes(): Uint8Array {
  return demoFile().bytes;
}

function demoFile() {
  if (!generated) {
    const words = new Uint32Array(FILE_SIZE / 4);
    let state = 0x2545f491;
    for (let i = 0; i < words.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      words[i] = state >>> 0;
    }
    // Whole seconds: If-Range compares it with the HTTP date the client was sent.
    generated = { bytes: new Uint8Array(words.buffer), lastModified: Math.floor(Date.now() / 1000) * 1000 };
  }
  return generated;
}

/** The file's SHA-256 in base64, by Web Crypto (every runtime has it, a Worker too). */
function demoDigest(): Promise<string> {
  digested ??= crypto.subtle.digest("SHA-256", demoFile().bytes).then((hash) => {
    let binary = "";
    for (const byte of new Uint8Array(hash)) binary += String.fromCharCode(byte);
    return btoa(binary);
  });
  return digested;
}

/** Answers GET and HEAD /download, with Range, If-Range and conditional requests. */
export async function downloadRoute(request: Request): Promise<Response> {
  const { bytes, lastModified } = demoFile();
  const digest = await demoDigest();
  const file = pacedFile(new Blob([bytes]), lastModified, BYTES_PER_SECOND);
  return fileResponse(file, {
    request,
    filename: FILE_NAME,
    headers: { "repr-digest": `sha-256=:${digest}:`, "cache-control": "no-store" },
  });
}

/** `blob` as a {@link FileLike} whose slices stream at `bytesPerSecond`, like a slow disk. */
function pacedFile(blob: Blob, lastModified: number, bytesPerSecond: number): FileLike {
  return {
    size: blob.size,
    type: "application/octet-stream",
    name: FILE_NAME,
    lastModified,
    slice: (start, end) => ({ stream: () => paced(blob.slice(start, end).stream(), bytesPerSecond) }),
  };
}

/** `source` re-cut into 64 KiB pieces, each sent after the time it takes at `bytesPerSecond`. */
function paced(source: ReadableStream<Uint8Array>, bytesPerSecond: number): ReadableStream<Uint8Array> {
  const piece = 64 * 1024;
  const reader = source.getReader();
  let pending: Uint8Array = new Uint8Array(0);
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending.byteLength === 0) {
        const { done, value } = await reader.read();
        if (cancelled) return;
        if (done) return controller.close();
        pending = value;
      }
      const chunk = pending.subarray(0, piece);
      pending = pending.subarray(chunk.byteLength);
      await new Promise((resolve) => setTimeout(resolve, (chunk.byteLength / bytesPerSecond) * 1000));
      if (!cancelled) controller.enqueue(chunk);
    },
    cancel(reason) {
      cancelled = true;
      return reader.cancel(reason);
    },
  });
}
