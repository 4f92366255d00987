/**
 * Fan-out client: `node dist/bench/clients/fan-out.js URL READERS`. Opens READERS SSE
 * streams of `/subscribe`, waits until what they are sent on joining has arrived (sluice
 * sends a topic's retained events), has the server publish a warm-up of both patterns, and
 * prints the server's memory per reader: {readers, rssPerReader, heapPerReader}. Then, for
 * each line `{"m": M, "batch": B}` on stdin, has the server publish M events (B per turn
 * of its event loop) and prints {seconds, events, busy}: the time from the publish request
 * to the last of READERS × M events arriving, the events counted, and the share of it
 * this client was on the CPU (near 1: this client, not the server, set the pace).
 * Leaves when stdin ends.
 */
import { createInterface } from "node:readline";
import { busy, HeldReaders, sleep } from "./held.ts";

const [url = "", count = "1000"] = process.argv.slice(2);
const target = new URL(url);

const stats = async () => (await (await fetch(new URL("/stats", target))).json()) as { rss: number; heap: number };
const held = new HeldReaders(target, "/subscribe");

/** Has the server publish `m` events in batches of `batch`, and waits until every reader has them all. */
async function run(m: number, batch: number): Promise<{ seconds: number; events: number; busy: number }> {
  const before = held.events();
  const delivered = held.expect(m);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const published = fetch(new URL(`/publish?m=${m}&batch=${batch}`, target)).then((response) => response.text());
  await delivered;
  const seconds = (performance.now() - start) / 1000;
  const share = busy(cpu, seconds);
  await published;
  return { seconds, events: held.events() - before, busy: share };
}

const print = (value: unknown) => console.log(JSON.stringify(value));

const empty = await stats();
await held.open(Number(count));
await run(100, 100);
await run(5, 1);
await sleep(1_000);
const loaded = await stats();
print({
  readers: held.size,
  rssPerReader: (loaded.rss - empty.rss) / held.size,
  heapPerReader: (loaded.heap - empty.heap) / held.size,
});

for await (const line of createInterface({ input: process.stdin })) {
  const { m, batch } = JSON.parse(line) as { m: number; batch: number };
  print(await run(m, batch));
}
held.close();
