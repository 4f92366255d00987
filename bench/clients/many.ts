/**
 * Many-streams client: `node dist/bench/clients/many.js URL STREAMS`. Opens STREAMS idle
 * SSE streams, waits until each has its first event, reads the server's RSS, then leaves
 * and waits for every producer's `finally`. Prints {rssPerStream, finallies, open}.
 */
import { connect, type Socket } from "node:net";

const [url = "", count = "10000", encoding] = process.argv.slice(2);
/** With an encoding, the stream is compressed: ready once body bytes follow the head. */
const accept = encoding ? `Accept-Encoding: ${encoding}\r\n` : "";
const isReady = (seen: string) =>
  encoding ? seen.indexOf("\r\n\r\n") + 4 < seen.length && seen.includes("\r\n\r\n") : seen.includes("data: ");
const target = new URL(url);
const streams = Number(count);

const stats = async () =>
  (await (await fetch(new URL("/stats", target))).json()) as { open: number; finallies: number; rss: number; heap: number };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const before = await stats();
const sockets: Socket[] = [];
let ready = 0;
const batch = 500;
for (let i = 0; i < streams; i += batch) {
  await Promise.all(
    Array.from(
      { length: Math.min(batch, streams - i) },
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(Number(target.port), target.hostname, () => {
            socket.write(`GET /idle HTTP/1.1\r\nHost: ${target.host}\r\n${accept}\r\n`);
          });
          let seen = "";
          socket.setEncoding("latin1");
          const onData = (text: string) => {
            seen += text;
            if (isReady(seen)) {
              socket.off("data", onData);
              socket.on("data", () => {}); // keep-alives from here on
              ready++;
              resolve();
            }
          };
          socket.on("data", onData);
          socket.on("error", reject);
          sockets.push(socket);
        }),
    ),
  );
}
await sleep(1_000);
const loaded = await stats();
for (const socket of sockets) socket.destroy();
const deadline = Date.now() + 20_000;
let after = await stats();
while (after.finallies - before.finallies < streams && Date.now() < deadline) {
  await sleep(200);
  after = await stats();
}
console.log(
  JSON.stringify({
    streams: ready,
    rssPerStream: (loaded.rss - before.rss) / streams,
    heapPerStream: (loaded.heap - before.heap) / streams,
    finallies: after.finallies - before.finallies,
    open: after.open,
  }),
);
