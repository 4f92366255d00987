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
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { EventCount } from "./event-count.ts";

const [url = "", count = "1000"] = process.argv.slice(2);
const target = new URL(url);
const wanted = Number(count);
/** A run that has not delivered everything by then has lost events (a reader skipped some): it fails. */
const DEADLINE_MS = 60_000;
/** How long no byte may arrive before what readers were sent on joining counts as all there. */
const QUIET_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stats = async () => (await (await fetch(new URL("/stats", target))).json()) as { rss: number; heap: number };

interface Reader {
  count: EventCount;
  /** The event count at which this reader has had the whole run. */
  goal: number;
}

const readers: Reader[] = [];
const sockets: Socket[] = [];
/** When the last bytes arrived, on any reader. */
let lastBytes = 0;
/** Readers still short of their goal in the current run, and what to call when none are. */
let short = 0;
let finished: (() => void) | undefined;

/**
 * Where every socket reads into: reads are handed over one at a time and counted at once,
 * so one buffer serves all. Reading with `onread` skips the stream machinery of a socket
 * (a Buffer and a `data` event per read), which matters when each event is a read of its own.
 */
const readBuffer = Buffer.alloc(64 * 1024);

/** Opens one stream; resolves once its head has arrived with status 200. */
function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    let waiting = true;
    const reader: Reader = { count: new EventCount(), goal: 0 };
    const onRead = (length: number, bytes: Uint8Array): boolean => {
      lastBytes = performance.now();
      const { count } = reader;
      const before = count.events;
      count.feed(bytes.subarray(0, length));
      if (waiting && count.status !== 0) {
        waiting = false;
        if (count.status === 200) resolve();
        else reject(new Error(`/subscribe answered ${count.status}`));
      }
      if (before < reader.goal && count.events >= reader.goal && --short === 0) finished?.();
      return true; // keep reading
    };
    const socket = connect(
      { port: Number(target.port), host: target.hostname, onread: { buffer: readBuffer, callback: onRead } },
      () => {
        socket.write(`GET /subscribe HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n\r\n`);
      },
    );
    socket.on("error", reject);
    sockets.push(socket);
    readers.push(reader);
  });
}

/** Has the server publish `m` events in batches of `batch`, and waits until every reader has them all. */
async function run(m: number, batch: number): Promise<{ seconds: number; events: number; busy: number }> {
  let before = 0;
  for (const reader of readers) {
    before += reader.count.events;
    reader.goal = reader.count.events + m;
  }
  short = readers.length;
  const delivered = new Promise<void>((resolve) => (finished = resolve));
  const cpu = process.cpuUsage();
  const start = performance.now();
  const published = fetch(new URL(`/publish?m=${m}&batch=${batch}`, target)).then((response) => response.text());
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${short} of ${readers.length} readers are still short after ${DEADLINE_MS} ms`)),
      DEADLINE_MS,
    );
  });
  await Promise.race([delivered, late]);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  clearTimeout(timer);
  await published;
  let events = -before;
  for (const reader of readers) events += reader.count.events;
  return { seconds, events, busy: (used.user + used.system) / 1e6 / seconds };
}

const print = (value: unknown) => console.log(JSON.stringify(value));

const empty = await stats();
const batchSize = 500; // connections opened at once: within the listen backlog of every server
for (let i = 0; i < wanted; i += batchSize) {
  await Promise.all(Array.from({ length: Math.min(batchSize, wanted - i) }, open));
}
while (performance.now() - lastBytes < QUIET_MS) await sleep(QUIET_MS);
await run(100, 100);
await run(5, 1);
await sleep(1_000);
const loaded = await stats();
print({
  readers: readers.length,
  rssPerReader: (loaded.rss - empty.rss) / readers.length,
  heapPerReader: (loaded.heap - empty.heap) / readers.length,
});

for await (const line of createInterface({ input: process.stdin })) {
  const { m, batch } = JSON.parse(line) as { m: number; batch: number };
  print(await run(m, batch));
}
for (const socket of sockets) socket.destroy();
