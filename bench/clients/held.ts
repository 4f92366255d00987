/**
 * SSE readers a client process holds open on raw sockets (the fan-out and topic-latency
 * clients): opened in batches, each counted by an {@link EventCount}, and waited for until
 * each has a number of events more.
 */
import { connect, type Socket } from "node:net";
import { EventCount } from "./event-count.ts";

/** A run that has not delivered everything by then has lost events (a reader skipped some): it fails. */
const DEADLINE_MS = 60_000;
/** How long no byte may arrive before what readers were sent on joining counts as all there. */
const QUIET_MS = 500;
/** Connections opened at once: within the listen backlog of every server. */
const BATCH = 500;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The share of `seconds` this process was on the CPU since `cpu` (`process.cpuUsage()`). */
export function busy(cpu: NodeJS.CpuUsage, seconds: number): number {
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1e6 / seconds;
}

interface Reader {
  count: EventCount;
  /** The event count at which this reader has had the whole run. */
  goal: number;
}

export class HeldReaders {
  /** When the last bytes arrived, on any reader (`performance.now()`): set before they are counted. */
  lastBytes = 0;
  readonly #target: URL;
  readonly #path: string;
  readonly #readers: Reader[] = [];
  readonly #sockets: Socket[] = [];
  /** Readers still short of their goal in the current run, and what to call when none are. */
  #short = 0;
  #finished: (() => void) | undefined;
  /**
   * Where every socket reads into: reads are handed over one at a time and counted at once,
   * so one buffer serves all. Reading with `onread` skips the stream machinery of a socket
   * (a Buffer and a `data` event per read), which matters when each event is a read of its own.
   */
  readonly #buffer = Buffer.alloc(64 * 1024);

  /** Readers of `path` on the server at `target`; `onEvent` is given each event's stamp (see `EventCount.onEvent`). */
  constructor(
    target: URL,
    path: string,
    readonly onEvent?: (stamp: number) => void,
  ) {
    this.#target = target;
    this.#path = path;
  }

  get size(): number {
    return this.#readers.length;
  }

  /** Every event counted so far, on every reader. */
  events(): number {
    let events = 0;
    for (const reader of this.#readers) events += reader.count.events;
    return events;
  }

  /** Opens `count` streams, then waits until what they are sent on joining has arrived. */
  async open(count: number): Promise<void> {
    for (let i = 0; i < count; i += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, () => this.#openOne()));
    }
    while (performance.now() - this.lastBytes < QUIET_MS) await sleep(QUIET_MS);
  }

  /** Resolves once every reader has `m` events more than now; rejects if some are still short after a minute. */
  expect(m: number): Promise<void> {
    for (const reader of this.#readers) reader.goal = reader.count.events + m;
    this.#short = this.#readers.length;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.#short} of ${this.#readers.length} readers are still short after ${DEADLINE_MS} ms`)),
        DEADLINE_MS,
      );
    });
    const delivered = new Promise<void>((resolve) => (this.#finished = resolve));
    return Promise.race([delivered, late]).finally(() => clearTimeout(timer));
  }

  close(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Opens one stream; resolves once its head has arrived with status 200. */
  #openOne(): Promise<void> {
    return new Promise((resolve, reject) => {
      let waiting = true;
      const count = new EventCount();
      count.onEvent = this.onEvent;
      const reader: Reader = { count, goal: 0 };
      const onRead = (length: number, bytes: Uint8Array): boolean => {
        this.lastBytes = performance.now();
        const before = count.events;
        count.feed(bytes.subarray(0, length));
        if (waiting && count.status !== 0) {
          waiting = false;
          if (count.status === 200) resolve();
          else reject(new Error(`${this.#path} answered ${count.status}`));
        }
        if (before < reader.goal && count.events >= reader.goal && --this.#short === 0) this.#finished?.();
        return true; // keep reading
      };
      const target = this.#target;
      const socket = connect(
        { port: Number(target.port), host: target.hostname, onread: { buffer: this.#buffer, callback: onRead } },
        () => {
          socket.write(`GET ${this.#path} HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n\r\n`);
        },
      );
      socket.on("error", reject);
      this.#sockets.push(socket);
      this.#readers.push(reader);
    });
  }
}
