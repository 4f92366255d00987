/**
 * A client that asks for a coding and decodes what arrives as it arrives, with node:http
 * and node:zlib (not fetch, which decodes out of sight): it sees the bytes on the wire,
 * when each decoded piece came, and whether the response was cut off.
 */
import { request, type IncomingHttpHeaders } from "node:http";
import zlib from "node:zlib";
import { Arrivals } from "./arrivals.ts";

/** Wall-clock ms with sub-ms precision, comparable with the fixture's stamps. */
const now = () => performance.timeOrigin + performance.now();

export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  /** Decoded text so far. */
  text(): string;
  /** The raw (encoded) bytes received so far. */
  wire(): Buffer;
  /** Each decoded piece with when it was decoded. */
  pieces: { at: number; text: string }[];
  /** Resolves once the decoded text includes `needle`; rejects after `ms` or at the end without it. */
  until(needle: string, ms: number): Promise<void>;
  /** How the response ended: whole (the HTTP framing and the coding both complete), or cut off. */
  ended: Promise<"complete" | "cut off">;
  /** Stops reading from the socket (the server's writes back up). */
  pause(): void;
  /** Drops the connection. */
  close(): void;
}

/** GETs (or HEADs) `url` with `Accept-Encoding: encoding` (none if undefined). */
export function exchange(
  url: URL,
  encoding: string | undefined,
  init: { method?: string; headers?: Record<string, string> } = {},
) {
  return new Promise<Exchange>((resolve, reject) => {
    const headers: Record<string, string> = { ...init.headers };
    if (encoding !== undefined) headers["accept-encoding"] = encoding;
    const req = request(url, { method: init.method ?? "GET", headers, agent: false }, (res) => {
      const coding = res.headers["content-encoding"];
      const decoder =
        coding === "gzip"
          ? zlib.createGunzip()
          : coding === "br"
            ? zlib.createBrotliDecompress()
            : coding === "deflate"
              ? zlib.createInflate()
              : undefined;
      const wire: Buffer[] = [];
      const arrivals = new Arrivals(now);
      const got = (piece: string) => arrivals.add(piece);
      decoder?.setEncoding("utf8");
      decoder?.on("data", got);
      let httpEnded = false;
      let codingError = false;
      decoder?.on("error", () => (codingError = true));
      const ended = new Promise<"complete" | "cut off">((done) => {
        res.on("end", () => (httpEnded = true));
        res.on("close", () => {
          const complete = httpEnded && !res.errored;
          if (!decoder) return done(complete ? "complete" : "cut off");
          if (!complete) return done("cut off");
          decoder.end(() => done(codingError ? "cut off" : "complete"));
          decoder.on("error", () => done("cut off"));
        });
        res.on("error", () => {});
      });
      res.on("data", (chunk: Buffer) => {
        wire.push(chunk);
        if (decoder) decoder.write(chunk);
        else got(chunk.toString("utf8"));
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => arrivals.text,
        wire: () => Buffer.concat(wire),
        pieces: arrivals.pieces,
        until: (needle, ms) => arrivals.until(needle, ms, ended),
        ended,
        pause: () => res.pause(),
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
    req.end();
  });
}
