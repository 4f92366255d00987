/**
 * An HTTP/2 client over one TLS connection (node:http2), trusting a test certificate:
 * many streams on one session, each read as text as it arrives.
 */
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { Arrivals } from "./arrivals.ts";

export interface H2Exchange {
  headers: IncomingHttpHeaders;
  text(): string;
  /** When each piece of text arrived (performance.now()). */
  pieces: { at: number; text: string }[];
  until(needle: string, ms: number): Promise<void>;
  /** "complete" at END_STREAM; "cut off" when the stream was reset (RST_STREAM with an error). */
  ended: Promise<"complete" | "cut off">;
  close(): void;
}

/** Opens one HTTP/2 session to `url` (ALPN "h2" only), trusting `ca`. */
export function session(url: URL, ca: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { ca, ALPNProtocols: ["h2"] });
    client.once("connect", () => resolve(client));
    client.once("error", reject);
  });
}

/** Sends a request on `client` and resolves once its headers have arrived. */
export function h2Request(client: ClientHttp2Session, path: string, method = "GET"): Promise<H2Exchange> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ":path": path, ":method": method });
    stream.setEncoding("utf8");
    const arrivals = new Arrivals(() => performance.now());
    stream.on("data", (piece: string) => arrivals.add(piece));
    let endStream = false;
    stream.on("end", () => (endStream = true));
    stream.on("error", () => {});
    const ended = new Promise<"complete" | "cut off">((done) =>
      stream.on("close", () => done(endStream && stream.rstCode === constants.NGHTTP2_NO_ERROR ? "complete" : "cut off")),
    );
    stream.once("response", (headers) =>
      resolve({
        headers,
        text: () => arrivals.text,
        pieces: arrivals.pieces,
        until: (needle, ms) => arrivals.until(needle, ms),
        ended,
        close: () => stream.close(constants.NGHTTP2_CANCEL),
      }),
    );
    stream.once("error", reject);
    stream.end();
  });
}
