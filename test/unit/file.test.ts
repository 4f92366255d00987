import { describe, expect, test } from "vitest";
import { fileResponse, type FileLike } from "../../src/index.ts";
import { readAll } from "./helpers.ts";

const bytes = new Uint8Array(200_000).map((_, i) => (i * 7) % 256);
const MODIFIED = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const file = new File([bytes], "data.bin", { type: "application/x-test", lastModified: MODIFIED });
const ETAG = `W/"${(200_000).toString(16)}-${MODIFIED.toString(16)}"`;

const get = (headers: Record<string, string> = {}, method = "GET") => new Request("http://x/file", { method, headers });

async function bodyBytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

describe("fileResponse", () => {
  test("sends the whole file with length, type, ranges, Last-Modified and a weak ETag", async () => {
    const response = fileResponse(file, { request: get() });
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "content-length": "200000",
      "content-type": "application/x-test",
      "accept-ranges": "bytes",
      "last-modified": new Date(MODIFIED).toUTCString(),
      etag: ETAG,
    });
    expect(await bodyBytes(response)).toEqual(bytes);
  });

  test("streams in chunks of at most 64 KiB by default, or chunkSize", async () => {
    for (const [chunkSize, limit] of [
      [undefined, 64 * 1024],
      [8 * 1024, 8 * 1024],
    ] as const) {
      const chunks = await readAll(fileResponse(file, chunkSize ? { chunkSize } : {}).body!);
      expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(200_000 / limit));
      for (const chunk of chunks) expect(chunk.byteLength).toBeLessThanOrEqual(limit);
    }
  });

  test("reads only the slices the client pulls, never the whole file at once", async () => {
    const sliced: [number, number][] = [];
    const GiB = 1024 * 1024 * 1024;
    const big: FileLike = {
      size: GiB,
      slice(start = 0, end = GiB) {
        sliced.push([start, end]);
        let position = start;
        return {
          stream: () =>
            new ReadableStream<Uint8Array>(
              {
                pull(controller) {
                  const length = Math.min(64 * 1024, end - position);
                  position += length;
                  controller.enqueue(new Uint8Array(length));
                },
              },
              { highWaterMark: 0 },
            ),
        };
      },
    };
    const reader = fileResponse(big).body!.getReader();
    let received = 0;
    for (let i = 0; i < 4; i++) received += (await reader.read()).value!.byteLength;
    await reader.cancel();
    expect(received).toBe(4 * 64 * 1024);
    expect(sliced).toEqual([[0, 1024 * 1024 * 1024]]);
  });

  test("a type-less, name-less Blob is application/octet-stream without Last-Modified or ETag", () => {
    const response = fileResponse(new Blob(["x"]));
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.has("last-modified")).toBe(false);
    expect(response.headers.has("etag")).toBe(false);
  });

  test("caller headers win", () => {
    const response = fileResponse(file, { headers: { "content-type": "text/plain", "cache-control": "max-age=60" } });
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(response.headers.get("cache-control")).toBe("max-age=60");
  });

  test("an empty file is 200 with no bytes", async () => {
    const response = fileResponse(new Blob([]), { request: get() });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("0");
    expect((await bodyBytes(response)).byteLength).toBe(0);
  });

  test("something that is not a file is a TypeError naming what it got", () => {
    expect(() => fileResponse("path/to/file" as never)).toThrow(/needs a Blob, a File or openFile\(path\).*got a string/);
    expect(() => fileResponse({ size: -1, slice() {} } as never)).toThrow(TypeError);
  });

  test("a chunkSize out of range is a RangeError", () => {
    expect(() => fileResponse(file, { chunkSize: 10 })).toThrow(/`chunkSize` must be/);
  });
});

describe("fileResponse ranges", () => {
  test.each([
    ["bytes=0-99", 0, 99],
    ["bytes=100-", 100, 199_999],
    ["bytes=-500", 199_500, 199_999],
    ["bytes=199990-300000", 199_990, 199_999],
    ["bytes=-999999", 0, 199_999],
  ])("%s is 206 with Content-Range and exactly those bytes", async (range, start, end) => {
    const response = fileResponse(file, { request: get({ range }) });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe(`bytes ${start}-${end}/200000`);
    expect(response.headers.get("content-length")).toBe(String(end - start + 1));
    expect(await bodyBytes(response)).toEqual(bytes.subarray(start, end + 1));
  });

  test.each(["bytes=200000-", "bytes=500000-600000", "bytes=-0"])("%s is 416 with Content-Range: bytes */SIZE", (range) => {
    const response = fileResponse(file, { request: get({ range }) });
    expect(response.status).toBe(416);
    expect(response.headers.get("content-range")).toBe("bytes */200000");
  });

  test.each(["bytes=0-10,20-30", "bytes=abc", "items=0-5", "bytes=50-10", "bytes=-", "0-10"])(
    "a malformed or multi-range %s gets the whole file",
    async (range) => {
      const response = fileResponse(file, { request: get({ range }) });
      expect(response.status).toBe(200);
      expect(response.headers.has("content-range")).toBe(false);
      expect((await bodyBytes(response)).byteLength).toBe(200_000);
    },
  );

  test("If-Range with the Last-Modified date lets the range apply", () => {
    const response = fileResponse(file, { request: get({ range: "bytes=0-9", "if-range": new Date(MODIFIED).toUTCString() }) });
    expect(response.status).toBe(206);
  });

  test("If-Range with another date, or a weak ETag (never a strong match), sends the whole file", () => {
    for (const ifRange of [new Date(MODIFIED - 60_000).toUTCString(), ETAG]) {
      expect(fileResponse(file, { request: get({ range: "bytes=0-9", "if-range": ifRange }) }).status).toBe(200);
    }
  });

  test("HEAD with a Range ignores it (only GET has range handling, RFC 9110 §14.2): 200 with the whole file's headers and no body", async () => {
    const response = fileResponse(file, { request: get({ range: "bytes=0-9" }, "HEAD") });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(file.size));
    expect(response.headers.get("content-range")).toBeNull();
    expect(response.body).toBeNull();
  });

  test("HEAD with an unsatisfiable Range is 200 too, never 416", async () => {
    const response = fileResponse(file, { request: get({ range: `bytes=${file.size}-` }, "HEAD") });
    expect(response.status).toBe(200);
  });
});

describe("fileResponse conditional requests", () => {
  test("If-None-Match with the ETag (weak comparison) gives 304 without a body", () => {
    for (const tag of [ETAG, ETAG.slice(2), `"other", ${ETAG}`, "*"]) {
      const response = fileResponse(file, { request: get({ "if-none-match": tag }) });
      expect(response.status, tag).toBe(304);
      expect(response.body).toBeNull();
      expect(response.headers.get("etag")).toBe(ETAG);
    }
  });

  test("If-None-Match with another tag sends the file, even when If-Modified-Since would say 304", () => {
    const response = fileResponse(file, {
      request: get({ "if-none-match": '"other"', "if-modified-since": new Date(MODIFIED + 60_000).toUTCString() }),
    });
    expect(response.status).toBe(200);
  });

  test("If-Modified-Since at or after Last-Modified gives 304; before it, or invalid, the file", () => {
    const at = (ms: number | string) =>
      fileResponse(file, { request: get({ "if-modified-since": typeof ms === "string" ? ms : new Date(ms).toUTCString() }) })
        .status;
    expect(at(MODIFIED)).toBe(304); // HTTP dates have whole seconds
    expect(at(MODIFIED + 3_600_000)).toBe(304);
    expect(at(MODIFIED - 3_600_000)).toBe(200);
    expect(at("not a date")).toBe(200);
  });
});

describe("Content-Disposition", () => {
  const disposition = (init: Parameters<typeof fileResponse>[1]) => fileResponse(file, init).headers.get("content-disposition");

  test("a filename makes an attachment; inline when asked; none when neither is given", () => {
    expect(disposition({ filename: "report.pdf" })).toBe('attachment; filename="report.pdf"');
    expect(disposition({ filename: "report.pdf", disposition: "inline" })).toBe('inline; filename="report.pdf"');
    expect(disposition({ disposition: "attachment" })).toBe('attachment; filename="data.bin"'); // the File's own name
    expect(disposition({})).toBeNull();
  });

  test("a non-ASCII name gets an ASCII fallback and an RFC 8187 filename*", () => {
    expect(disposition({ filename: "Résumé (final)'s 😀.pdf" })).toBe(
      `attachment; filename="R_sum_ (final)'s _.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29%27s%20%F0%9F%98%80.pdf`,
    );
  });

  test.each([
    ['evil".pdf"; x="', /^attachment; filename="evil_\.pdf_; x=_"; filename\*=UTF-8''evil%22\.pdf%22%3B%20x%3D%22$/],
    ["../../etc/passwd", /^attachment; filename="passwd"$/],
    ["C:\\Windows\\system.ini", /^attachment; filename="system\.ini"$/],
    ["a\r\nSet-Cookie: x=1", /^attachment; filename="aSet-Cookie: x=1"$/],
    ["back\\slash", /^attachment; filename="slash"$/],
    ["100%.txt", /^attachment; filename="100_\.txt"; filename\*=UTF-8''100%25\.txt$/],
    ["\u0000\u001f", /^attachment; filename="download"$/],
    [".hidden", /^attachment; filename="hidden"$/],
  ])("a hostile name %j never reaches the header raw", (filename, expected) => {
    const header = disposition({ filename })!;
    expect(header).toMatch(expected);
    expect(header).not.toMatch(/[\r\n\0]/);
    expect(() => new Headers({ "content-disposition": header })).not.toThrow();
  });

  test("a bad disposition or filename type is a TypeError", () => {
    expect(() => fileResponse(file, { disposition: "download" as never })).toThrow(/"inline" or "attachment"/);
    expect(() => fileResponse(file, { filename: 5 as never })).toThrow(/`filename` must be a string/);
  });
});
