/**
 * Latency client: `node dist/bench/clients/latency.js URL CLIENTS EVENTS MS [gzip]`. Opens
 * CLIENTS streams of EVENTS events each one MS apart, and prints {p50, p99, samples} of
 * the time from the server's yield to the event's arrival here, in ms.
 *
 * gzip is decoded on this thread as each piece arrives (the native handle, as
 * `zlib.gunzipSync` does; see runtimes/_zlib/compressor.ts), not through a stream:
 * node:zlib's streams decode in its thread pool, and a hop there and back for each of
 * 100 streams' pieces would add the client's queue to what is measured.
 */
import { request } from "node:http";
import { quantile } from "../quantile.ts";
import { constants, createGunzip } from "node:zlib";
import { syncWriter } from "../../runtimes/_zlib/compressor.ts";
import { now } from "../workloads.ts";

const [url, clients = "100", events = "30", ms = "100", encoding] = process.argv.slice(2);
const delays: number[] = [];

function client(): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = encoding ? { "accept-encoding": encoding } : {};
    const req = request(`${url}ticks?n=${events}&ms=${ms}`, { headers }, (res) => {
      let pending = "";
      // gzip (the one coding asked for) decoded as it arrives; the delay is to the decoded event.
      const gunzip = res.headers["content-encoding"] === "gzip" ? createGunzip() : undefined;
      const decode = gunzip && syncWriter(gunzip);
      if (gunzip && !decode) throw new Error("node:zlib has no native handle to decode on this thread");
      const text = new TextDecoder();
      res.on("data", (chunk: Buffer) => {
        const arrived = now();
        pending += decode
          ? decode(chunk, constants.Z_SYNC_FLUSH)
              .map((piece) => text.decode(piece, { stream: true }))
              .join("")
          : text.decode(chunk, { stream: true });
        let end = pending.indexOf("\n\n");
        while (end !== -1) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const data = block.split("\n").find((line) => line.startsWith("data: "));
          if (data) delays.push(arrived - (JSON.parse(data.slice(6)) as { t: number }).t);
          end = pending.indexOf("\n\n");
        }
      });
      res.on("end", () => {
        gunzip?.destroy();
        resolve();
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

await Promise.all(Array.from({ length: Number(clients) }, client));
delays.sort((a, b) => a - b);
console.log(JSON.stringify({ p50: quantile(delays, 0.5), p99: quantile(delays, 0.99), samples: delays.length }));
