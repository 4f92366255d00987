/**
 * The `/stress/*` routes of the conformance fixture: producers that count what happens to
 * them (started, produced, `finally` run, and when), so `npm run test:stress` can check
 * from outside that no producer was lost. Portable: imports only the core, so the same
 * code runs on Node, Deno, Bun and workerd.
 */
import { fileResponse, sseResponse, streamingResponse, type SSEItem } from "../../src/index.ts";
import { runBattery, type Adapter } from "./battery.ts";
import { sleep } from "../conformance/sleep.ts";

/** What a host process lends the stress routes: its runtime's memory figures and adapter. */
export interface StressHost {
  rss?: () => number;
  /** Heap in use right after a full garbage collection; undefined where GC is not exposed. */
  heap?: () => number | undefined;
  adapter?: Adapter;
}

/** One stream's record, kept only when a request asks for it (`&record=1&id=...`). */
export interface StreamRecord {
  /** The request's `&id=`, so a client can find its own stream. */
  id: string;
  /** Date.now() when the producer started. */
  startedAt: number;
  /** Bytes (or events) the producer made. */
  produced: number;
  /** Date.now() when the producer last handed out a chunk. */
  lastChunkAt: number;
  /**
   * The largest gap between two chunks the producer handed out since `/stress/gaps` last
   * reset it, less the producer's own wait (`every`): how long the server kept it waiting.
   */
  maxGap: number;
  /** Date.now() when its `finally` ran; 0 while it runs. */
  endedAt: number;
}

export interface StressStats {
  /** Responses the handler made for this key. */
  handled: number;
  /** Producers that started (a body is pulled before its producer runs). */
  started: number;
  /** Producers whose `finally` ran. */
  finallies: number;
  produced: number;
  streams?: StreamRecord[];
}

export interface StressState {
  /** Producers running now, over every key: started minus finallies. */
  open: number;
  rss?: number;
  heap?: number;
  /** Promise rejections nobody handled, as the host reported them. */
  unhandled: number;
}

const stats = new Map<string, StressStats>();
let open = 0;
let unhandled = 0;

/** Hosts call this from their runtime's unhandled-rejection hook. */
export function noteUnhandled(): void {
  unhandled++;
}

/** The totals of every key, for a host to print when it closes. */
export function allStressStats(): Record<string, StressStats> {
  return Object.fromEntries([...stats].map(([key, { streams, ...totals }]) => [key, totals]));
}

function statsOf(key: string): StressStats {
  let entry = stats.get(key);
  if (!entry) stats.set(key, (entry = { handled: 0, started: 0, finallies: 0, produced: 0 }));
  return entry;
}

/** A producer counted under `key`; with a `record` id, its own record is kept too. */
function counted<T>(key: string, record: string | undefined, body: (signal: AbortSignal, count: (amount: number) => void) => AsyncGenerator<T>) {
  const entry = statsOf(key);
  entry.handled++;
  return async function* (signal: AbortSignal) {
    const mine: StreamRecord = { id: record ?? "", startedAt: Date.now(), produced: 0, lastChunkAt: 0, endedAt: 0, maxGap: 0 };
    if (record !== undefined) (entry.streams ??= []).push(mine);
    entry.started++;
    open++;
    try {
      yield* body(signal, (amount) => {
        entry.produced += amount;
        mine.produced += amount;
        const now = Date.now();
        if (mine.lastChunkAt > 0) mine.maxGap = Math.max(mine.maxGap, now - mine.lastChunkAt);
        mine.lastChunkAt = now;
      });
    } finally {
      mine.endedAt = Date.now();
      entry.finallies++;
      open--;
    }
  };
}

/** Byte `i` of the `/stress/pattern` body with `seed`: a client checks every byte and its place. */
export function patternByte(seed: number, i: number): number {
  return (seed * 131 + i * 7 + (i >> 8)) & 255;
}

/** The in-memory file of `/stress/blob`: known bytes and a fixed modification time. */
export const BLOB_SIZE = 10_000;
export const BLOB_MODIFIED = Date.UTC(2026, 0, 2, 3, 4, 5);
const blob = new File([new Uint8Array(BLOB_SIZE).map((_, i) => patternByte(1, i))], "data.bin", {
  type: "application/octet-stream",
  lastModified: BLOB_MODIFIED,
});

/** Answers a `/stress/*` request; `undefined` for any other path. */
export async function stressRoute(request: Request, host: StressHost): Promise<Response | undefined> {
  const url = new URL(request.url);
  const query = url.searchParams;
  const key = query.get("key") ?? "default";
  const number = (name: string, fallback: number) => Number(query.get(name) ?? fallback);
  const record = query.get("record") === "1" ? (query.get("id") ?? "") : undefined;
  const { signal } = request;
  const timeouts = {
    ...(query.has("writeTimeout") ? { writeTimeout: number("writeTimeout", 0) } : {}),
    ...(query.has("timeout") ? { timeout: number("timeout", 0) } : {}),
  };
  switch (url.pathname) {
    // SSE: one event at once, then one every `every` ms (0: none, keep-alives only).
    // (`writeTimeout` and `timeout` apply to every route that spreads `timeouts`.)
    case "/stress/sse": {
      const every = number("every", 0);
      return sseResponse(counted<SSEItem>(key, record, async function* (signal, count) {
        for (let id = 1; ; id++) {
          count(1);
          yield { id, data: `tick ${id}` };
          await sleep(every > 0 ? every : 1e9, signal);
        }
      }), { signal, keepAlive: number("keepAlive", 15_000), ...timeouts });
    }
    // Bytes: an endless stream of `size`-byte chunks, `every` ms apart.
    case "/stress/bytes": {
      const size = number("size", 1024);
      const every = number("every", 10);
      return streamingResponse(counted(key, record, async function* (signal, count) {
        for (let i = 0; ; i++) {
          count(size);
          yield new Uint8Array(size).fill(i & 255);
          await sleep(every, signal);
        }
      }), { signal, ...timeouts, headers: { "content-type": "application/octet-stream" } });
    }
    // As fast as the client takes it: 64 KiB chunks, never a wait.
    case "/stress/flood": {
      const chunk = new Uint8Array(64 * 1024).fill(120);
      return streamingResponse(counted(key, record, async function* (_signal, count) {
        for (;;) {
          count(chunk.byteLength);
          yield chunk;
        }
      }), { signal, ...timeouts, headers: { "content-type": "application/octet-stream" } });
    }
    // `size` bytes in `chunk`-byte items (1 MiB by default), each a fresh array (with
    // `reuse=1`, one buffer filled again for every item); with `file=1`, a fileResponse of
    // them in `chunk`-byte slices. The key's record says what
    // ended each producer (`endedBy`).
    case "/stress/big": {
      const size = number("size", 1024 * 1024);
      const piece = number("chunk", 1024 * 1024);
      if (query.get("file") === "1") {
        const file = new Blob([new Uint8Array(size).map((_, i) => patternByte(2, i))]);
        return fileResponse(file, { request, chunkSize: piece, ...timeouts });
      }
      const reused = query.get("reuse") === "1" ? new Uint8Array(piece) : undefined; // one buffer, filled again for every item
      return streamingResponse(counted(key, record, async function* (_signal, count) {
        for (let offset = 0; offset < size; offset += piece) {
          const bytes = reused?.subarray(0, Math.min(piece, size - offset)) ?? new Uint8Array(Math.min(piece, size - offset));
          for (let j = 0; j < bytes.byteLength; j++) bytes[j] = patternByte(2, offset + j);
          count(bytes.byteLength);
          yield bytes;
        }
      }), { signal, ...timeouts, headers: { "content-type": "application/octet-stream" } });
    }
    // A finite body of `size` known bytes (patternByte), in `chunk`-byte pieces `every` ms apart.
    case "/stress/pattern": {
      const seed = number("seed", 0);
      const size = number("size", 20_480);
      const piece = number("chunk", 256);
      const every = number("every", 0);
      return streamingResponse(counted(key, record, async function* (signal, count) {
        for (let offset = 0; offset < size; offset += piece) {
          const bytes = new Uint8Array(Math.min(piece, size - offset)).map((_, j) => patternByte(seed, offset + j));
          count(bytes.byteLength);
          yield bytes;
          if (every > 0) await sleep(every, signal);
        }
      }), { signal, headers: { "content-type": "application/octet-stream" } });
    }
    // `at` chunks (`every` ms apart; 0: ready at once, so they are joined), then a throw.
    case "/stress/throw": {
      const at = number("at", 3);
      const every = number("every", 0);
      const onError = query.get("onError") === "1" ? { onError: () => "[stream failed]\n" } : {};
      return streamingResponse(counted(key, record, async function* (signal, count) {
        for (let i = 0; i < at; i++) {
          count(1);
          yield `chunk ${i}\n`;
          if (every > 0) await sleep(every, signal);
        }
        throw new Error(`stress: the producer failed after ${at} chunks`);
      }), { signal, ...onError });
    }
    // Resets the largest gaps of a key's streams (before a measurement starts).
    case "/stress/gaps": {
      for (const stream of statsOf(key).streams ?? []) stream.maxGap = 0;
      return new Response("reset");
    }
    case "/stress/stats": {
      const entry = statsOf(key);
      const { streams, ...totals } = entry;
      return Response.json(query.get("streams") === "1" ? entry : totals);
    }
    case "/stress/state": {
      const state: StressState = { open, unhandled };
      const heap = query.get("gc") === "1" ? host.heap?.() : undefined;
      if (heap !== undefined) state.heap = heap;
      if (host.rss) state.rss = host.rss();
      return Response.json(state);
    }
    case "/stress/battery":
      return Response.json(await runBattery(host.adapter));
    // A file from memory, so Range, conditional requests and filenames work on workerd too.
    case "/stress/blob": {
      const name = query.get("name");
      return fileResponse(blob, name === null ? { request } : { request, filename: name });
    }
    case "/stress/not-a-response":
      return 42 as unknown as Response; // a handler bug the adapter must turn into a 500
    case "/stress/handler-throws":
      throw new Error("stress: the handler failed");
    default:
      return undefined;
  }
}
