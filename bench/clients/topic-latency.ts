/**
 * Topic latency client: `node dist/bench/clients/topic-latency.js URL READERS PATH`. Opens
 * READERS SSE streams of PATH, a topic whose events carry the time they were published as
 * the first number of their data (`{"t":…,"i":…}`, ms of `performance.timeOrigin +
 * performance.now()`, which every process on the machine agrees on), waits until what they
 * are sent on joining has arrived, and prints {readers}. Then, for each line `{"m": M}` on
 * stdin, prints {armed: true}, waits until every reader has M events more, and prints
 * {p50, p99, max, samples, seconds, busy}: the delay of each event to each reader (its
 * arrival in this process, once per socket read, minus its stamp) in ms, how many, the
 * seconds from arming to the last delivery, and the share of them this client was on the
 * CPU (near 1: its own queue, not the server, may be what the delays measure).
 * Leaves when stdin ends.
 */
import { createInterface } from "node:readline";
import { quantile } from "../quantile.ts";
import { busy, HeldReaders } from "./held.ts";

const [url = "", count = "1000", path = "/latency/subscribe"] = process.argv.slice(2);

let delays = new Float64Array(0);
let samples = 0;
const held: HeldReaders = new HeldReaders(new URL(url), path, (stamp) => {
  if (samples < delays.length && !Number.isNaN(stamp)) delays[samples++] = performance.timeOrigin + held.lastBytes - stamp;
});

const print = (value: unknown) => console.log(JSON.stringify(value));

await held.open(Number(count));
print({ readers: held.size });

for await (const line of createInterface({ input: process.stdin })) {
  const { m } = JSON.parse(line) as { m: number };
  delays = new Float64Array(held.size * m);
  samples = 0;
  const delivered = held.expect(m);
  const cpu = process.cpuUsage();
  const start = performance.now();
  print({ armed: true });
  await delivered;
  const seconds = (performance.now() - start) / 1000;
  const share = busy(cpu, seconds);
  const sorted = delays.subarray(0, samples).sort();
  print({
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[samples - 1] ?? NaN,
    samples,
    seconds,
    busy: share,
  });
}
held.close();
