/**
 * What every adapter does to a handler's response before sending it (src/_kit/exchange.ts
 * and src/_kit/in-flight.ts), tested without a server; the conformance suite shows the
 * same on every host.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { finishResponse, rejectBadRequest } from "../../src/_kit/exchange.ts";
import { InFlight } from "../../src/_kit/in-flight.ts";
import { StreamAbortError, streamingResponse } from "../../src/index.ts";
import { sleep } from "./helpers.ts";

const NODE = { decodes: new Set(["gzip", "x-gzip", "deflate", "br"]) };
const get = new Request("http://x/");
/** A Response as `fetch` returns it: with a URL, which no constructed Response has. */
function fetched(headers: Record<string, string>): Response {
  const response = new Response("decoded text", { headers });
  Object.defineProperty(response, "url", { value: "http://upstream/" });
  return response;
}

describe("finishResponse", () => {
  const logged = vi.spyOn(console, "error").mockImplementation(() => {});
  afterEach(() => logged.mockClear());

  test("a value that is not a Response, or only claims to be one, becomes a logged 500", () => {
    for (const value of [42, Object.create(Response.prototype)]) {
      const response = finishResponse(value, get, NODE);
      expect(response.status).toBe(500);
      expect(response.statusText).toBe("Internal Server Error");
    }
    expect(logged).toHaveBeenCalledTimes(2);
  });

  test("a Response whose body is used or locked becomes a 500 that says which, in the log", async () => {
    const used = new Response("x");
    await used.text();
    const locked = new Response("y");
    locked.body!.getReader();
    expect(finishResponse(used, get, NODE).status).toBe(500);
    expect(finishResponse(locked, get, NODE).status).toBe(500);
    expect(String(logged.mock.calls[0]?.[0])).toMatch(/already used/);
    expect(String(logged.mock.calls[1]?.[0])).toMatch(/already (used|locked)/);
  });

  test("a header value with a control character becomes a 500 naming the header", () => {
    const response = finishResponse(new Response("x", { headers: { "x-name": "a\u0001b" } }), get, NODE);
    expect(response.status).toBe(500);
    expect(String(logged.mock.calls[0]?.[0])).toMatch(/"x-name"/);
    expect(finishResponse(new Response("x", { headers: { "x-tab": "a\tb" } }), get, NODE).status).toBe(200);
  });

  test("a fetched response whose codings fetch decodes loses content-encoding and content-length", () => {
    const response = finishResponse(fetched({ "content-encoding": "GZIP", "content-length": "84", "x-kept": "1" }), get, NODE);
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(response.headers.get("content-length")).toBeNull();
    expect(response.headers.get("x-kept")).toBe("1");
  });

  test.each(["compress", "gzip, zstd", "identity"])(
    "a fetched response labelled %j (not all decoded by this runtime's fetch) keeps its headers",
    (coding) => {
      const response = finishResponse(fetched({ "content-encoding": coding }), get, NODE);
      expect(response.headers.get("content-encoding")).toBe(coding);
    },
  );

  test("a constructed response with content-encoding is the caller's own encoding: kept", () => {
    const response = finishResponse(new Response("x", { headers: { "content-encoding": "gzip" } }), get, NODE);
    expect(response.headers.get("content-encoding")).toBe("gzip");
  });

  test("HEAD: the body is cancelled unread (its source let go), the headers kept", async () => {
    let closed = 0;
    const source = new ReadableStream({ pull: (c) => c.enqueue("x"), cancel: () => void closed++ });
    const head = new Request("http://x/", { method: "HEAD" });
    const response = finishResponse(streamingResponse(source, { headers: { "x-a": "1" } }), head, NODE);
    expect(response.body).toBeNull();
    expect(response.headers.get("x-a")).toBe("1");
    await sleep(1);
    expect(closed).toBe(1);
  });
});

describe("rejectBadRequest", () => {
  test("a Host that is not a host is a 400; a good one passes", () => {
    const request = (host: string) => ({ url: "http://x/", headers: new Headers({ host }) }) as Request;
    expect(rejectBadRequest(request("x/admin?"))?.status).toBe(400);
    expect(rejectBadRequest(request("example.com:8080"))).toBeUndefined();
  });
});

describe("InFlight", () => {
  test("a body the runtime cancels with a reason of its own tells its producer and the handler's signal: disconnect", async () => {
    const flight = new InFlight(new Request("http://x/"));
    let producer: unknown;
    let handlerSignal!: AbortSignal;
    const response = await flight.respond((request) => {
      handlerSignal = request.signal;
      return streamingResponse(async function* (signal) {
        signal.addEventListener("abort", () => (producer = signal.reason), { once: true });
        for (;;) yield "tick\n";
      });
    }, NODE);
    const reader = flight.tracked(response).body!.getReader();
    await reader.read();
    await reader.cancel(new Error("resource closed")); // as Deno does when its client has gone
    for (const reason of [producer, handlerSignal.reason]) {
      expect(reason).toBeInstanceOf(StreamAbortError);
      expect((reason as StreamAbortError).type).toBe("disconnect");
    }
  });
});
