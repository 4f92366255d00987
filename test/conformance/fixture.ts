/**
 * The one fetch handler every conformance host serves. Portable: it imports only the
 * core, so the same code runs on Node, Deno, Bun and workerd.
 *
 * Producers count what happens to them per `?key=`, so a test can ask `/stats?key=`
 * whether a producer ran, how much it made, and whether its `finally` ran.
 */
import {
  fileResponse,
  handle,
  ndjsonResponse,
  NotFoundError,
  sseResponse,
  streamingResponse,
  type FileLike,
  type ServerSentEvent,
} from "../../src/index.ts";
import { stressRoute, type StressHost } from "../stress/routes.ts";
import { securityRoute, type SecurityHost } from "./security-routes.ts";
import { polishRoute } from "./polish-routes.ts";
import { sleep } from "./sleep.ts";

/**
 * What a host process adds to the portable fixture: its runtime's files and memory, and
 * for the stress suite (test/stress) its heap after GC and its adapter.
 */
export const host: { openFile?: (path: string) => Promise<FileLike>; rss?: () => number } & StressHost & SecurityHost = {};

export interface Stats {
  started: number;
  finallies: number;
  produced: number;
}

const stats = new Map<string, Stats>();
/** Keys whose gated producer may go on; polled with a timer, since workerd forbids one request from settling a promise of another. */
const released = new Set<string>();
/**
 * Keys of `/remember*` requests whose request.signal fired. A listener rather than the
 * signal itself: workerd forbids touching one request's objects from another.
 */
const aborted = new Set<string>();
const remember = (key: string, signal: AbortSignal) =>
  signal.addEventListener("abort", () => aborted.add(key), { once: true });

function statsOf(key: string): Stats {
  let entry = stats.get(key);
  if (!entry) stats.set(key, (entry = { started: 0, finallies: 0, produced: 0 }));
  return entry;
}

/** Every stats entry, for a host to print when it closes. */
export function allStats(): Record<string, Stats> {
  return Object.fromEntries(stats);
}

/** The SSE events of `/sse`, as the client must read them back. */
export const SSE_EVENTS: ServerSentEvent[] = [
  { data: "plain" },
  { event: "multi", id: "1", data: "line one\nline two\r\nline three" },
  { event: "json", id: 2, data: { text: "héllo ✓", n: [1, 2] } },
  { id: "3", data: " leading space and data: inside" },
  { data: "" },
];

const autoRoutes: Record<string, () => unknown> = {
  generator: function* () {
    yield "from ";
    yield "a generator";
  },
  "async-generator": async function* () {
    yield "from ";
    yield "an async generator";
  },
  string: () => "a string",
  object: () => ({ auto: true }),
  bytes: () => new Uint8Array([104, 105]),
  null: () => null,
};

const auto = handle((request: Request) => {
  const name = new URL(request.url).pathname.slice("/auto/".length);
  const route = autoRoutes[name];
  return route ? route() : new Response("no such auto route", { status: 404 });
});

/** A producer counted under `key`: started, items made, finally run. */
function counted<T>(key: string, body: (signal: AbortSignal, entry: Stats) => AsyncGenerator<T>) {
  return async function* (signal: AbortSignal) {
    const entry = statsOf(key);
    entry.started++;
    try {
      yield* body(signal, entry);
    } finally {
      entry.finallies++;
    }
  };
}

export async function fixture(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const key = url.searchParams.get("key") ?? "default";
  const { signal } = request;
  switch (url.pathname) {
    case "/text":
      return streamingResponse(async function* (signal) {
        for (let i = 1; i <= 5; i++) {
          yield `line ${i}\n`;
          await sleep(2, signal);
        }
      }, { signal });
    case "/bytes":
      return streamingResponse(async function* (signal) {
        for (let i = 0; i < 4; i++) {
          yield new Uint8Array(1000).map((_, j) => (i * 1000 + j) % 251);
          await sleep(2, signal);
        }
      }, { signal, headers: { "content-type": "application/octet-stream" } });
    case "/ndjson":
      return ndjsonResponse(async function* () {
        for (let i = 0; i < 3; i++) yield { i, text: `item ${i}` };
      }, { signal });
    case "/sse":
      return sseResponse(SSE_EVENTS, { signal });
    case "/sse-idle":
      return sseResponse(counted(key, async function* (signal) {
        yield { event: "hello", data: "idle from now on" };
        await sleep(1e9, signal);
      }), { signal, keepAlive: Number(url.searchParams.get("keepAlive") ?? 100) });
    case "/throw":
      return streamingResponse(async function* (signal) {
        yield "part one\n";
        await sleep(5, signal);
        yield "part two\n";
        await sleep(5, signal);
        throw new Error("the producer failed");
      }, { signal });
    case "/endless":
      return streamingResponse(counted(key, async function* (signal, entry) {
        for (;;) {
          entry.produced++;
          yield `tick ${entry.produced}\n`;
          await sleep(10, signal);
        }
      }), { signal });
    case "/flood":
      return streamingResponse(counted(key, async function* (_signal, entry) {
        const chunk = new Uint8Array(64 * 1024).fill(120);
        for (;;) {
          entry.produced += chunk.byteLength;
          yield chunk;
        }
      }), { signal, writeTimeout: 0, headers: { "content-type": "application/octet-stream" } });
    case "/gated":
      return streamingResponse(counted(key, async function* (signal) {
        yield "first\n";
        while (!released.has(key)) await sleep(5, signal);
        yield "second\n";
      }), { signal });
    case "/release":
      released.add(key);
      return new Response("released");
    case "/throw-handled":
      return streamingResponse(async function* (signal) {
        yield "part one\n";
        await sleep(5, signal);
        throw new Error("the producer failed");
      }, { signal, onError: () => "[stream failed]\n" });
    case "/quiet":
      return streamingResponse(async function* (signal) {
        yield "start\n";
        await sleep(Number(url.searchParams.get("ms") ?? 30_000), signal);
        yield "end\n";
      }, { signal });
    case "/remember":
      remember(key, signal);
      return streamingResponse(["complete\n"], { signal });
    case "/remember-endless":
      remember(key, signal);
      return streamingResponse(counted(key, async function* (signal) {
        for (;;) {
          yield "tick\n";
          await sleep(10, signal);
        }
      }), { signal });
    case "/remembered":
      return Response.json({ aborted: aborted.has(key) });
    case "/stats":
      return Response.json(statsOf(key));
    case "/file": {
      if (!host.openFile) return new Response("this host has no file system", { status: 501 });
      const name = url.searchParams.get("name");
      try {
        const file = await host.openFile(url.searchParams.get("path") ?? "");
        return fileResponse(file, name === null ? { request } : { request, filename: name });
      } catch (error) {
        if (error instanceof NotFoundError) return new Response("no such file", { status: 404 });
        throw error;
      }
    }
    case "/memory":
      return host.rss ? Response.json({ rss: host.rss() }) : new Response("not measured here", { status: 501 });
    default:
      if (url.pathname.startsWith("/auto/")) return auto(request);
      if (url.pathname.startsWith("/polish/")) {
        const response = await polishRoute(request, statsOf);
        if (response) return response;
      }
      if (url.pathname.startsWith("/sec/")) {
        const response = await securityRoute(request, host);
        if (response) return response;
      }
      if (url.pathname.startsWith("/stress/")) {
        const response = await stressRoute(request, host); // npm run test:stress
        if (response) return response;
      }
      return new Response("not found", { status: 404 });
  }
}
