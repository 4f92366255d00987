/**
 * Everything sluice parses out of a request (issue #10): each parser is right on the
 * values it must take and refuse, and takes time linear in the input. A hostile 1 MB
 * value stands in for the worst a header can be; the timing bound is orders of magnitude
 * above linear time (a few ms) and far below what the cubic Range regex took (12.6 s for
 * 6 KB).
 */
import { describe, expect, test } from "vitest";
import { evaluatePreconditions, matchesAny, rangeStillValid } from "../../src/_conditional.ts";
import { isValidHost } from "../../src/_kit/exchange.ts";
import { parseHttpDate } from "../../src/_http-date.ts";
import { parseRange } from "../../src/_range.ts";
import { fileResponse, lastEventId } from "../../src/index.ts";

const MB = 1024 * 1024;
/** ms one call on a 1 MB value may take: linear code takes a few. */
const BOUND_MS = 250;

function timed(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

describe("Range", () => {
  test.each([
    ["bytes=0-99", { start: 0, end: 99 }],
    [" bytes = 10 - 19 ", { start: 10, end: 19 }],
    ["BYTES=5-", { start: 5, end: 999 }],
    ["bytes=-100", { start: 900, end: 999 }],
    ["bytes=-5000", { start: 0, end: 999 }],
    ["bytes=990-5000", { start: 990, end: 999 }],
  ])("%j of 1000 bytes is %j", (header, range) => {
    expect(parseRange(header, 1000)).toEqual(range);
  });

  test.each(["bytes=abc", "bytes=1-2,4-5", "items=0-1", "bytes=-", "bytes=5-1", "bytes=-1-2", "bytes 0-1", "bytes=0-1x", ""])(
    "%j is ignored: the whole file",
    (header) => expect(parseRange(header, 1000)).toBeUndefined(),
  );

  test("a start at or past the end, and a zero suffix, are unsatisfiable", () => {
    expect(parseRange("bytes=1000-", 1000)).toBe("unsatisfiable");
    expect(parseRange("bytes=-0", 1000)).toBe("unsatisfiable");
  });

  test("a suffix range of an empty file sends it whole (200), never 416", () => {
    expect(parseRange("bytes=-5", 0)).toBeUndefined();
  });

  test.each([
    ["spaces, then a bad byte (the cubic case of the old regex)", `bytes=${" ".repeat(MB / 2)}-${" ".repeat(MB / 2)}x`],
    ["digits without end", `bytes=${"1".repeat(MB)}`],
    ["a long list", "bytes=0-1,".repeat(MB / 10)],
  ])(`a 1 MB hostile Range (%s) is parsed in under ${BOUND_MS} ms`, (_, header) => {
    let result: unknown;
    expect(timed(() => (result = parseRange(header, 1000)))).toBeLessThan(BOUND_MS);
    expect(result).toBeUndefined();
  });
});

describe("HTTP-date", () => {
  const time = Date.UTC(1994, 10, 6, 8, 49, 37);
  test.each([
    ["IMF-fixdate", "Sun, 06 Nov 1994 08:49:37 GMT"],
    ["rfc850-date", "Sunday, 06-Nov-94 08:49:37 GMT"],
    ["asctime-date", "Sun Nov  6 08:49:37 1994"],
  ])("%s is read", (_, value) => {
    expect(parseHttpDate(value)).toBe(time);
  });

  test.each([
    ["ISO 8601", "1994-11-06T08:49:37Z"],
    ["a bare year", "1994"],
    ["a date without a time", "Sun, 06 Nov 1994"],
    ["another zone", "Sun, 06 Nov 1994 08:49:37 PST"],
    ["31 February", "Tue, 31 Feb 2026 00:00:00 GMT"],
    ["25 o'clock", "Sun, 06 Nov 1994 25:49:37 GMT"],
    ["a lower-case month", "Sun, 06 nov 1994 08:49:37 GMT"],
    ["garbage", "not a date"],
  ])("%s is not an HTTP-date", (_, value) => {
    expect(parseHttpDate(value)).toBeUndefined();
  });

  test("a two-digit year more than 50 years ahead is taken from the century before", () => {
    const year = new Date().getUTCFullYear();
    const far = String((year + 60) % 100).padStart(2, "0");
    expect(new Date(parseHttpDate(`Monday, 01-Jan-${far} 00:00:00 GMT`)!).getUTCFullYear()).toBe(year + 60 - 100);
  });

  test(`a 1 MB value is refused in under ${BOUND_MS} ms`, () => {
    expect(timed(() => parseHttpDate("Sun, 06 Nov 1994 " + " ".repeat(MB)))).toBeLessThan(BOUND_MS);
  });
});

describe("entity tags and preconditions", () => {
  const etag = 'W/"abc"';
  const strong = '"abc"';
  test("weak comparison ignores W/, strong needs both tags strong", () => {
    expect(matchesAny('"abc"', etag, "weak")).toBe(true);
    expect(matchesAny('W/"abc"', etag, "weak")).toBe(true);
    expect(matchesAny('"abc"', etag, "strong")).toBe(false);
    expect(matchesAny('"abc"', strong, "strong")).toBe(true);
    expect(matchesAny('W/"abc"', strong, "strong")).toBe(false);
  });

  test("a list is matched member by member, and a comma inside a tag is part of it", () => {
    expect(matchesAny('"x", "a,b", W/"abc"', etag, "weak")).toBe(true);
    expect(matchesAny('"a,b"', 'W/"a,b"', "weak")).toBe(true);
    expect(matchesAny('"a", "b"', 'W/"a,b"', "weak")).toBe(false);
  });

  test("* matches any file; a malformed list matches nothing", () => {
    expect(matchesAny(" * ", undefined, "strong")).toBe(true);
    expect(matchesAny('abc, "abc"', strong, "weak")).toBe(false);
    expect(matchesAny('"abc', strong, "weak")).toBe(false);
  });

  const headers = (init: Record<string, string>) => new Headers(init);
  const modified = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const validators = { etag, lastModified: modified };
  const before = "Thu, 01 Jan 2026 00:00:00 GMT";
  const after = "Sat, 03 Jan 2026 00:00:00 GMT";

  test.each([
    ["If-Match that matches no tag strongly", "failed", { "if-match": etag }],
    ["If-Match *", "proceed", { "if-match": "*" }],
    ["If-Unmodified-Since before Last-Modified", "failed", { "if-unmodified-since": before }],
    ["If-Unmodified-Since after Last-Modified", "proceed", { "if-unmodified-since": after }],
    ["If-Unmodified-Since in ISO 8601 (ignored)", "proceed", { "if-unmodified-since": "2026-01-01T00:00:00Z" }],
    [
      "If-Match * with a failing If-Unmodified-Since (If-Match takes precedence)",
      "proceed",
      { "if-match": "*", "if-unmodified-since": before },
    ],
    ["If-None-Match that matches", "not-modified", { "if-none-match": '"abc"' }],
    [
      "If-None-Match that does not match, with an If-Modified-Since that would",
      "proceed",
      { "if-none-match": '"x"', "if-modified-since": after },
    ],
    ["If-Modified-Since after Last-Modified", "not-modified", { "if-modified-since": after }],
    ["If-Modified-Since in ISO 8601 (ignored)", "proceed", { "if-modified-since": "2027-01-01T00:00:00Z" }],
    ["a failing If-Match before a matching If-None-Match", "failed", { "if-match": '"x"', "if-none-match": "*" }],
  ])("%s: %s", (_, expected, init) => {
    expect(evaluatePreconditions(headers(init), validators)).toBe(expected);
  });

  test("If-Range: a strong match or the exact date lets the range apply; a weak tag or an ISO date never does", () => {
    expect(rangeStillValid(strong, { etag: strong, lastModified: modified })).toBe(true);
    expect(rangeStillValid(etag, validators)).toBe(false);
    expect(rangeStillValid(new Date(modified).toUTCString(), validators)).toBe(true);
    expect(rangeStillValid(new Date(modified).toISOString(), validators)).toBe(false);
  });

  test.each([
    ["if-none-match", `W/"a", `.repeat(MB / 7)],
    ["if-match", `"${"a".repeat(MB)}`],
    ["if-range", `W/"${"a".repeat(MB)}"`],
    ["if-modified-since", " ".repeat(MB) + "x"],
  ])(`a 1 MB hostile %s is evaluated in under ${BOUND_MS} ms, and answered`, (name, value) => {
    const file = new File(["x"], "x.txt", { lastModified: modified });
    const request = new Request("http://x/", { headers: { [name]: value, range: "bytes=0-0" } });
    let status = 0;
    expect(timed(() => (status = fileResponse(file, { request }).status))).toBeLessThan(BOUND_MS);
    expect([200, 206, 412]).toContain(status);
  });
});

describe("Host", () => {
  test.each([
    "example.com",
    "EXAMPLE.com:8080",
    "127.0.0.1",
    "127.0.0.1:0",
    "[::1]",
    "[::1]:443",
    "[fe80::1%25eth0]",
    "xn--nave-6pa.example",
    "a-b_c~d.e",
    "host:",
    "a%20b",
  ])("%j is a host", (value) => expect(isValidHost(value)).toBe(true));

  test.each([
    "",
    "example.com/admin?",
    "example.com#x",
    "user@example.com",
    "a b",
    "example.com\\x",
    "[::1",
    "[]",
    "::1",
    ":80",
    "example.com:80x",
    "a%2",
    "a%zz",
    "é.example",
    "a\u0000b",
  ])("%j is not a host", (value) => expect(isValidHost(value)).toBe(false));

  test(`a 1 MB Host is checked in under ${BOUND_MS} ms`, () => {
    expect(timed(() => isValidHost("a".repeat(MB) + "/"))).toBeLessThan(BOUND_MS);
    expect(timed(() => isValidHost("[" + ":".repeat(MB)))).toBeLessThan(BOUND_MS);
  });
});

test(`a 1 MB Last-Event-ID is read in under ${BOUND_MS} ms`, () => {
  const request = new Request("http://x/", { headers: { "last-event-id": "1".repeat(MB) } });
  let id: string | undefined;
  expect(timed(() => (id = lastEventId(request)))).toBeLessThan(BOUND_MS);
  expect(id?.length).toBe(MB);
});

test(`a 1 MB filename gives a Content-Disposition of at most 255 characters of name, in under ${BOUND_MS} ms`, () => {
  const file = new File(["x"], "x.txt");
  let header: string | null = null;
  expect(
    timed(() => (header = fileResponse(file, { filename: "\u00e9".repeat(MB) + ".pdf" }).headers.get("content-disposition"))),
  ).toBeLessThan(BOUND_MS);
  expect(header).toMatch(/\.pdf$/);
  expect(decodeURIComponent(header!.split("UTF-8''")[1]!)).toHaveLength(255);
});
