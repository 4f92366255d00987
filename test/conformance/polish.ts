/**
 * Conformance and polish (issue #11), over real HTTP on every host: files by RFC 9110,
 * onError's last item through the body's own encoder, the headers that let middleware
 * pass a stream through, and one reason for "the client went away".
 */
import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readEvents, readNdjson } from "../../src/client.ts";
import { BLOB_MODIFIED, BLOB_SIZE } from "../fixture/stress-routes.ts";
import type { Ending } from "../fixture/polish-routes.ts";
import { exchange, rawRequest } from "../_support/raw.ts";
import { unlessGap } from "../_support/gaps.ts";
import { eventually } from "../_support/time.ts";
import type { SuiteContext } from "./suite.ts";

const BEFORE = new Date(BLOB_MODIFIED - 86_400_000).toUTCString();
const AFTER = new Date(BLOB_MODIFIED + 86_400_000).toUTCString();

export function polish(ctx: SuiteContext): void {
  const { host } = ctx;
  describe("files by RFC 9110", () => {
    /** Status, Content-Length, Content-Range and body length of a raw request for the blob. */
    async function blob(headers: Record<string, string>, method = "GET", path = "/stress/blob") {
      const { responses } = await exchange(
        ctx.url("/"),
        rawRequest(path, { host: "x", connection: "close", ...headers }, method),
      );
      const response = responses[0]!;
      return {
        status: response.status,
        length: response.headers.get("content-length") ?? null,
        range: response.headers.get("content-range") ?? null,
        bytes: response.body.byteLength,
      };
    }

    test("HEAD with a Range ignores it (RFC 9110 §14.2): 200 with the whole file's Content-Length, no Content-Range", async () => {
      expect(await blob({ range: "bytes=0-9" }, "HEAD")).toEqual({
        status: 200,
        length: String(BLOB_SIZE),
        range: null,
        bytes: 0,
      });
      expect((await blob({ range: `bytes=${BLOB_SIZE}-` }, "HEAD")).status, "an unsatisfiable one too, never 416").toBe(200);
    });

    test.each([
      ["If-Match with another tag", { "if-match": '"other"' }, 412],
      ["If-Match with the weak ETag (strong comparison never matches a weak tag)", "etag", 412],
      ["If-Match *", { "if-match": "*" }, 200],
      ["If-Unmodified-Since before Last-Modified", { "if-unmodified-since": BEFORE }, 412],
      ["If-Unmodified-Since after Last-Modified", { "if-unmodified-since": AFTER }, 200],
      [
        "If-Modified-Since in ISO 8601 (not an HTTP-date: ignored)",
        { "if-modified-since": new Date(BLOB_MODIFIED + 86_400_000).toISOString() },
        200,
      ],
      [
        "If-Unmodified-Since in ISO 8601 (ignored)",
        { "if-unmodified-since": new Date(BLOB_MODIFIED - 86_400_000).toISOString() },
        200,
      ],
      [
        "If-Match * with a failing If-Unmodified-Since (If-Match decides, §13.2.2)",
        { "if-match": "*", "if-unmodified-since": BEFORE },
        200,
      ],
      ["a failing If-Match before a matching If-None-Match", { "if-match": '"other"', "if-none-match": "*" }, 412],
    ] as const)("%s: %i", async (_, headers, status) => {
      const etag = (await fetch(ctx.url("/stress/blob"), { method: "HEAD" })).headers.get("etag")!;
      const sent = headers === "etag" ? { "if-match": etag } : headers;
      const result = await blob(sent);
      expect(result.status).toBe(status);
      expect(result.bytes).toBe(status === 200 ? BLOB_SIZE : 0);
    });

    test("an empty file with a suffix range (bytes=-5) is 200 with its empty body, not 416", async () => {
      const result = await blob({ range: "bytes=-5" }, "GET", "/polish/empty-file");
      expect(result).toMatchObject({ status: 200, range: null, bytes: 0 });
      expect(["0", null], "no length, or 0 (workerd frames an empty body itself)").toContain(result.length);
    });

    const filesReason = host.cannot?.files;
    describe.skipIf(filesReason !== undefined)(filesReason ? `openFile: not on ${host.name}: ${filesReason}` : "openFile", () => {
      const fifo = join(tmpdir(), `sluice-fifo-${host.name}-${process.pid}`);
      beforeAll(() => execFileSync("mkfifo", [fifo]));
      afterAll(() => rm(fifo, { force: true }));

      test.each([
        ["a FIFO", () => fifo],
        ["a device (/dev/null)", () => "/dev/null"],
        ["a directory", () => tmpdir()],
      ])("openFile of %s is a NotFoundError (only regular files are files): 404", async (_, path) => {
        const response = await fetch(ctx.url(`/file?path=${encodeURIComponent(path())}`));
        expect(response.status).toBe(404);
      });
    });
  });

  describe("streams", () => {
    test("sseResponse's onError may return an event object, sent as the last event", async () => {
      const events = [];
      for await (const event of readEvents(await fetch(ctx.url("/polish/sse-error")))) events.push(event);
      expect(events).toEqual([
        { event: "token", data: "one", id: undefined, lastEventId: "" },
        { event: "error", data: JSON.stringify({ message: "generation failed", retry: true }), id: undefined, lastEventId: "" },
      ]);
    });

    test("ndjsonResponse's onError may return any JSON value, sent as the last line", async () => {
      const lines = [];
      for await (const line of readNdjson(await fetch(ctx.url("/polish/ndjson-error")))) lines.push(line);
      expect(lines).toEqual([{ line: 1 }, { error: "query failed" }]);
    });

    test.each(["/text", "/ndjson", "/sse"])(
      "%s carries cache-control: no-cache, no-transform and x-accel-buffering: no, so middleware passes it through",
      async (path) => {
        const response = await fetch(ctx.url(path));
        await response.arrayBuffer();
        expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
        expect(response.headers.get("x-accel-buffering")).toBe("no");
      },
    );

    unlessGap(
      host,
      ["server"],
      "when the client leaves, the producer's signal and request.signal both abort with a StreamAbortError of type disconnect (name AbortError)",
      async () => {
        const key = ctx.key();
        const client = new AbortController();
        const reader = (await fetch(ctx.url(`/polish/ending?key=${key}`), { signal: client.signal })).body!.getReader();
        await reader.read();
        client.abort();
        const ending = await eventually(
          async () => (await (await fetch(ctx.url(`/polish/endings?key=${key}`))).json()) as Ending,
          (e) => e.producer !== undefined && e.request !== undefined,
          3_000,
        );
        const disconnect = { name: "AbortError", type: "disconnect", sluice: true };
        expect(ending).toEqual({ producer: disconnect, request: disconnect });
      },
    );
  });
}
