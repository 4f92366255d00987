import { describe, expect, test } from "vitest";
import { encodedHeaders, isCompressible, isEligible, negotiate } from "../../src/_kit/encoding.ts";
import { fileResponse, sseResponse } from "../../src/index.ts";

describe("negotiate (Accept-Encoding)", () => {
  test.each([
    [null, undefined],
    ["", undefined],
    ["identity", undefined],
    ["gzip", "gzip"],
    ["GZip", "gzip"],
    ["gzip, deflate, br, zstd", "gzip"],
    ["br, gzip;q=0.9", "br"],
    ["gzip;q=1.0, br;q=0.9", "gzip"],
    ["gzip;q=0.5, br;q=0.5", "gzip"],
    ["br;q=0, gzip;q=0.001", "gzip"],
    ["*", "gzip"],
    ["*;q=0.5, gzip;q=0", "br"],
    ["*;q=0", undefined],
    ["identity;q=0", undefined],
    ["identity;q=0, *;q=0", undefined],
    ["deflate;q=0.8, gzip;q=0", "deflate"],
    ["gzip;q=2", undefined],
    ["gzip;q=0.1234", undefined],
    ["gzip;q=abc, deflate", "deflate"],
    ["gzip ; q = 0.7 , br;level=1;q=0.8", "br"],
    ["x-gzip, compress", undefined],
    [",,, ,gzip,,", "gzip"],
  ])("%j gives %s", (header, coding) => {
    expect(negotiate(header)).toBe(coding);
  });

  test("only the codings offered count, and their order breaks ties", () => {
    expect(negotiate("br, gzip", ["gzip", "deflate"])).toBe("gzip");
    expect(negotiate("br, gzip", ["gzip", "br"])).toBe("gzip");
    expect(negotiate("br", ["gzip"])).toBeUndefined();
  });

  test.each([
    ["64 KiB of commas", ",".repeat(65_536) + "gzip"],
    ["64 KiB of q parameters", "gzip" + ";q=0.5".repeat(11_000)],
    ["64 KiB of one token", "g".repeat(65_536)],
    ["64 KiB of almost-q-values", "gzip;q=0." + "9".repeat(65_536)],
  ])("a hostile header (%s) is answered in linear time, reading a bounded prefix", (_, header) => {
    const started = performance.now();
    for (let i = 0; i < 100; i++) negotiate(header);
    expect(performance.now() - started, "100 negotiations").toBeLessThan(500);
  });

  test("a coding named after the first 4 KiB is not read", () => {
    expect(negotiate(" ".repeat(5000) + "gzip")).toBeUndefined();
  });
});

describe("what compress leaves alone", () => {
  const text = (headers: Record<string, string>, status = 200) => new Response("x".repeat(2000), { status, headers });

  test.each([
    ["text/event-stream; charset=utf-8", true],
    ["text/html", true],
    ["application/json", true],
    ["application/x-ndjson", true],
    ["application/ld+json", true],
    ["image/svg+xml", true],
    ["image/png", false],
    ["application/octet-stream", false],
    ["video/mp4", false],
    ["textual/plain", false],
  ])("the type %s compresses: %s", (type, yes) => {
    expect(isCompressible(type)).toBe(yes);
  });

  test("a body below the threshold, an encoded body, a 206, a Content-Range and a ranged file are left alone", () => {
    const settings = { threshold: 1024 };
    expect(isEligible(text({ "content-type": "text/plain" }), settings)).toBe(true);
    expect(isEligible(text({ "content-type": "text/plain", "content-length": "100" }), settings)).toBe(false);
    expect(isEligible(text({ "content-type": "text/plain", "content-length": "2000" }), settings)).toBe(true);
    expect(isEligible(text({ "content-type": "text/plain", "content-encoding": "gzip" }), settings)).toBe(false);
    expect(isEligible(text({ "content-type": "text/plain" }, 206), settings)).toBe(false);
    expect(isEligible(text({ "content-type": "text/plain", "content-range": "bytes 0-1/2" }), settings)).toBe(false);
    expect(isEligible(text({ "content-type": "image/png" }), settings)).toBe(false);
    expect(isEligible(new Response(null, { status: 204 }), settings)).toBe(false);
    const file = fileResponse(new File(["x".repeat(5000)], "a.txt", { type: "text/plain" }));
    expect(isEligible(file, settings)).toBe(false);
    file.body?.cancel();
  });

  test("no-transform does not stop it: compress is the origin, not an intermediary", () => {
    const response = sseResponse([{ data: "x" }]);
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(isEligible(response, { threshold: 1024 })).toBe(true);
    response.body?.cancel();
  });
});

describe("encodedHeaders", () => {
  test("sets Content-Encoding, drops Content-Length, weakens a strong ETag and adds Vary once", () => {
    const response = new Response("x", { headers: { "content-length": "1", etag: '"abc"', vary: "Origin" } });
    const headers = encodedHeaders(response, "gzip");
    expect(headers.get("content-encoding")).toBe("gzip");
    expect(headers.get("content-length")).toBeNull();
    expect(headers.get("etag")).toBe('W/"abc"');
    expect(headers.get("vary")).toBe("Origin, accept-encoding");
    expect(encodedHeaders(new Response("x", { headers: { vary: "Accept-Encoding" } }), "br").get("vary")).toBe("Accept-Encoding");
    expect(encodedHeaders(new Response("x", { headers: { vary: "*" } }), "br").get("vary")).toBe("*");
  });

  test("identity keeps the body's headers and adds only Vary", () => {
    const headers = encodedHeaders(new Response("x", { headers: { "content-length": "1", etag: '"abc"' } }), undefined);
    expect(headers.get("content-encoding")).toBeNull();
    expect(headers.get("content-length")).toBe("1");
    expect(headers.get("etag")).toBe('"abc"');
    expect(headers.get("vary")).toBe("accept-encoding");
  });
});
