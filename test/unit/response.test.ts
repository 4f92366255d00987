import { describe, expect, test } from "vitest";
import { handle, htmlResponse, ndjsonResponse, streamingResponse, textResponse, toResponse } from "../../src/index.ts";
import { sleep, tracked, within } from "./helpers.ts";

describe("streamed responses", () => {
  test.each([
    ["streamingResponse", streamingResponse, "text/plain; charset=utf-8"],
    ["textResponse", textResponse, "text/plain; charset=utf-8"],
    ["htmlResponse", htmlResponse, "text/html; charset=utf-8"],
    ["ndjsonResponse", ndjsonResponse, "application/x-ndjson"],
  ])("%s defaults to %s, and the caller's content type wins", (_name, make, type) => {
    expect(make([]).headers.get("content-type")).toBe(type);
    expect(make([], { headers: { "content-type": "text/csv" } }).headers.get("content-type")).toBe("text/csv");
  });

  test("never sends Content-Length, Transfer-Encoding or Connection, even when the caller passes them", () => {
    const upstream = new Headers({
      "content-length": "10",
      "transfer-encoding": "chunked",
      connection: "keep-alive",
      "keep-alive": "timeout=5",
      "x-upstream": "yes",
    });
    const response = streamingResponse(["x"], { headers: upstream });
    expect([...response.headers.keys()].sort()).toEqual(["cache-control", "content-type", "x-accel-buffering", "x-upstream"]);
  });

  test.each([
    ["streamingResponse", streamingResponse],
    ["textResponse", textResponse],
    ["htmlResponse", htmlResponse],
    ["ndjsonResponse", ndjsonResponse],
  ])(
    "%s carries cache-control: no-cache, no-transform and x-accel-buffering: no, so proxies and compression middleware pass it through; the caller's win",
    (_name, make) => {
      const response = make([]);
      expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(response.headers.get("x-accel-buffering")).toBe("no");
      const own = make([], { headers: { "cache-control": "private, max-age=5", "x-accel-buffering": "yes" } });
      expect(own.headers.get("cache-control")).toBe("private, max-age=5");
      expect(own.headers.get("x-accel-buffering")).toBe("yes");
    },
  );

  test("ndjsonResponse's onError may return any JSON value, sent as the last line", async () => {
    const body = ndjsonResponse(
      async function* () {
        yield 1;
        throw new Error("failed");
      },
      { onError: () => ({ error: "failed", at: [1] }) },
    );
    expect(await body.text()).toBe('1\n{"error":"failed","at":[1]}\n');
  });

  test("ndjsonResponse's onError returning null sends null: it is a JSON value", async () => {
    const body = ndjsonResponse(
      async function* () {
        throw new Error("failed");
      },
      { onError: () => null },
    );
    expect(await body.text()).toBe("null\n");
  });

  test("status and statusText are the caller's", () => {
    const response = streamingResponse(["x"], { status: 201, statusText: "Made" });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Made");
  });

  test("stream options in init reach the body: signal abort stops the producer", async () => {
    const { state, producer } = tracked(async function* () {
      for (;;) {
        yield "x";
        await sleep(2);
      }
    });
    const request = new AbortController();
    const reader = streamingResponse(producer, { signal: request.signal }).body!.getReader();
    await reader.read();
    request.abort();
    await within(state.finished.promise, 500, "the producer's finally");
  });

  test("ndjsonResponse writes JSON and a newline per item", async () => {
    const text = await ndjsonResponse([{ a: 1 }, "s", 2, null, [true]]).text();
    expect(text).toBe('{"a":1}\n"s"\n2\nnull\n[true]\n');
  });

  test("ndjsonResponse errors the body naming an item JSON cannot encode", async () => {
    await expect(ndjsonResponse([{ ok: 1 }, { n: 5n }]).text()).rejects.toThrow(/NDJSON item #1 contains a BigInt/);
    await expect(ndjsonResponse([undefined]).text()).rejects.toThrow(/NDJSON item #0 is undefined/);
  });

  test("init that is not an object is a TypeError", () => {
    expect(() => streamingResponse([], 5 as never)).toThrow(/init must be an object/);
  });
});

describe("toResponse: one test per row of the auto-detection table", () => {
  test("a Response is returned as it is", () => {
    const response = new Response("x");
    expect(toResponse(response)).toBe(response);
  });

  test("a ReadableStream streams", async () => {
    const response = toResponse(new Response("from a stream").body);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe("from a stream");
  });

  test("an async iterable streams", async () => {
    const iterable = {
      async *[Symbol.asyncIterator]() {
        yield "a";
        yield "b";
      },
    };
    expect(await toResponse(iterable).text()).toBe("ab");
  });

  test("an async generator object streams", async () => {
    const response = toResponse(
      (async function* () {
        yield "async ";
        yield "gen";
      })(),
    );
    expect(await response.text()).toBe("async gen");
  });

  test("a sync generator object streams, not JSON", async () => {
    const response = toResponse(
      (function* () {
        yield "sync ";
        yield 1;
      })(),
    );
    expect(await response.text()).toBe("sync 1");
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });

  test("a string is text/plain", async () => {
    const response = toResponse("hi");
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe("hi");
  });

  test("bytes are application/octet-stream", async () => {
    const response = toResponse(new Uint8Array([1, 2]));
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([1, 2]));
  });

  test("an ArrayBuffer is application/octet-stream", async () => {
    const response = toResponse(new Uint8Array([3]).buffer);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect((await response.arrayBuffer()).byteLength).toBe(1);
  });

  test("a Blob keeps its own type, else application/octet-stream", async () => {
    expect(toResponse(new Blob(["<svg/>"], { type: "image/svg+xml" })).headers.get("content-type")).toBe("image/svg+xml");
    const untyped = toResponse(new Blob(["raw"]));
    expect(untyped.headers.get("content-type")).toBe("application/octet-stream");
    expect(await untyped.text()).toBe("raw");
  });

  test("null and undefined are 204 No Content", async () => {
    for (const value of [null, undefined]) {
      const response = toResponse(value);
      expect(response.status).toBe(204);
      expect(response.body).toBeNull();
    }
  });

  test("an array is JSON, not a stream", async () => {
    const response = toResponse([1, "two"]);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual([1, "two"]);
  });

  test("a plain object is JSON", async () => {
    const response = toResponse({ ok: true });
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ ok: true });
  });

  test("init's status and headers apply, the caller's content type winning", async () => {
    const response = toResponse({ error: "nope" }, { status: 404, headers: { "content-type": "application/problem+json" } });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  test("a Promise is a TypeError that says to await it", () => {
    expect(() => toResponse(Promise.resolve("x"))).toThrow(/got a Promise. Await it first/);
  });

  test("a Map is a TypeError rather than a silent {}", () => {
    expect(() => toResponse(new Map([["a", 1]]))).toThrow(/Object.fromEntries/);
  });

  test("an object with a BigInt is a TypeError naming it", () => {
    expect(() => toResponse({ n: 1n })).toThrow(/contains a BigInt/);
  });
});

describe("handle", () => {
  test("a handler may return a generator, which streams", async () => {
    const fetch = handle(function* (request: Request) {
      yield "path=";
      yield new URL(request.url).pathname;
    });
    expect(await (await fetch(new Request("http://x/a/b"))).text()).toBe("path=/a/b");
  });

  test("a handler's async result is awaited and detected", async () => {
    const fetch = handle(async () => ({ hello: "world" }));
    expect(await (await fetch(new Request("http://x/"))).json()).toEqual({ hello: "world" });
  });

  test("the extra arguments of the host (env, ctx) are passed through", async () => {
    const fetch = handle((_request: Request, env: { name: string }) => `hi ${env.name}`);
    expect(await (await fetch(new Request("http://x/"), { name: "env" })).text()).toBe("hi env");
  });

  test("a streamed result is tied to request.signal: the client leaving stops the producer", async () => {
    const { state, producer } = tracked(async function* () {
      for (;;) {
        yield "x";
        await sleep(2);
      }
    });
    const client = new AbortController();
    const response = await handle(() => producer)(new Request("http://x/", { signal: client.signal }));
    const reader = response.body!.getReader();
    await reader.read();
    client.abort();
    await within(state.finished.promise, 500, "the producer's finally");
  });

  test("something other than a function is a TypeError", () => {
    expect(() => handle("nope" as never)).toThrow(/handle\(\) takes a function/);
  });
});
