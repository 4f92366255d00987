/**
 * Shared bytes written straight to the socket as HTTP/1.1 chunks, framed once.
 *
 * A topic sends the same bytes to thousands of responses. `res.write()` frames them again
 * for each (size line, data, CRLF: three writes into a corked socket, one `writev`); here
 * they are framed once into one buffer that every response's socket is given as it is:
 * one `write` each. The syscalls are the same in number; the JS around them is not: a topic
 * publishing one event per turn to 1,000 readers delivered 1.32× as many events a second
 * this way (126k against 96k, medians of 7, in the fan-out workload of `npm run bench`).
 * @module
 */
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { isShared } from "../../src/_shared.ts";
import type { NodeResponse } from "./request.ts";

/**
 * The `node:http` response fields this path reads. `_headerSent` and `outputData` are
 * internal to `OutgoingMessage`; every Node version sluice supports has them (20, 22, 24:
 * the conformance suite runs on each), and where one is missing the path is not taken.
 */
interface Http1Response {
  chunkedEncoding?: boolean;
  /** The head sent: the bytes on the socket are the body's from here on. */
  _headerSent?: boolean;
  /** Writes made before the response had the socket, not flushed yet. */
  outputData?: unknown[];
}

const CR = 13;
const LF = 10;

/** The last shared bytes framed, and their frame: every reader woken by one publish asks for the same. */
let lastShared: Uint8Array | undefined;
let lastFramed: Uint8Array | undefined;
/** Shared bytes asked for once and not framed: framed if the next ask is for them too. */
let askedOnce: Uint8Array | undefined;

/**
 * The socket to write `chunk` to directly, framed as a chunk, or `undefined` to write it
 * with `res.write()`: only for bytes sluice shares ({@link isShared}), on an HTTP/1.1
 * chunked response that owns its socket (not one queued behind another on a pipelined
 * connection), whose head went out and which nothing else is waiting to write.
 */
export function sharedChunkSocket(res: NodeResponse, chunk: Uint8Array): Socket | undefined {
  const http1 = res as ServerResponse & Http1Response;
  if (http1.chunkedEncoding !== true || http1._headerSent !== true || http1.outputData?.length !== 0) return undefined;
  const socket = http1.socket;
  if (socket === null || !socket.writable || chunk.byteLength === 0 || !isShared(chunk)) return undefined;
  return socket;
}

/**
 * `chunk` framed as one HTTP/1.1 chunk (RFC 9112 §7.1): its size in hex, CRLF, the bytes,
 * CRLF; or `undefined` the first time it is asked for, to be written with `res.write()`.
 * A frame is a copy, worth making for bytes that go to many readers one after another (an
 * event to every reader it woke), not for a reader replaying history alone: a copy of each
 * run of it for each reader would cost as much memory as the history, for nothing.
 */
export function framed(chunk: Uint8Array): Uint8Array | undefined {
  if (chunk === lastShared) return lastFramed;
  if (chunk !== askedOnce) {
    askedOnce = chunk;
    return undefined;
  }
  askedOnce = undefined;
  const size = chunk.byteLength.toString(16);
  const frame = new Uint8Array(size.length + chunk.byteLength + 4);
  for (let i = 0; i < size.length; i++) frame[i] = size.charCodeAt(i);
  frame[size.length] = CR;
  frame[size.length + 1] = LF;
  frame.set(chunk, size.length + 2);
  frame[frame.length - 2] = CR;
  frame[frame.length - 1] = LF;
  lastShared = chunk;
  lastFramed = frame;
  return frame;
}
