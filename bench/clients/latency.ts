/**
 * Latency client: `node dist/bench/clients/latency.js URL CLIENTS EVENTS MS [gzip]`. Opens
 * CLIENTS streams of EVENTS events each one MS apart, and prints {p50, p99, samples} of
 * the time from the server's yield to the event's arrival here, in ms.
 */
import { request } from "node:http";
import { createGunzip } from "node:zlib";
import { now } from "../workloads.ts";

const [url, clients = "100", events = "30", ms = "100", encoding] = process.argv.slice(2);
const delays: number[] = [];

function client(): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = encoding ? { "accept-encoding": encoding } : {};
    const req = request(`${url}ticks?n=${events}&ms=${ms}`, { headers }, (res) => {
      let pending = "";
      // gzip (the one coding asked for) decoded as it arrives; the delay is to the decoded event.
      const body = res.headers["content-encoding"] === "gzip" ? res.pipe(createGunzip()) : res;
      body.setEncoding("utf8");
      body.on("data", (text: string) => {
        const arrived = now();
        pending += text;
        let end = pending.indexOf("\n\n");
        while (end !== -1) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const data = block.split("\n").find((line) => line.startsWith("data: "));
          if (data) delays.push(arrived - (JSON.parse(data.slice(6)) as { t: number }).t);
          end = pending.indexOf("\n\n");
        }
      });
      body.on("end", resolve);
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

await Promise.all(Array.from({ length: Number(clients) }, client));
delays.sort((a, b) => a - b);
const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? NaN;
console.log(JSON.stringify({ p50: at(0.5), p99: at(0.99), samples: delays.length }));
