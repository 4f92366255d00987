/**
 * One client process that holds readers open (bench/clients/fan-out.ts, or another such
 * as topic-latency.ts), spoken to in lines of JSON: the fan-out client prints the server's
 * memory per reader once they are connected (`ready`), then the figures of each run it is
 * asked for.
 */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { client } from "./processes.ts";

export class Readers<Ready = { rssPerReader: number; heapPerReader: number }> {
  readonly ready: Promise<Ready>;
  readonly #child: ChildProcess;
  readonly #name: string;
  readonly #readers: number;
  readonly #lines: string[] = [];
  #waiting: { resolve(line: string): void; reject(error: Error): void } | undefined;
  #exited: Error | undefined;

  /** `readers` readers of the server at `url`, held by the client `script` (given `rest` after them). */
  constructor(url: string, readers: number, name: string, script = "fan-out", ...rest: string[]) {
    this.#name = name;
    this.#readers = readers;
    this.#child = client(script, url, String(readers), ...rest);
    createInterface({ input: this.#child.stdout! }).on("line", (line) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting) waiting.resolve(line);
      else this.#lines.push(line);
    });
    this.#child.once("exit", (code) => {
      this.#exited = new Error(`the ${script} client of ${name} exited with ${code}`);
      this.#waiting?.reject(this.#exited);
    });
    this.ready = this.#next().then((line) => JSON.parse(line));
  }

  /**
   * One run: `m` events, `batch` per turn. Its seconds (from the publish request to the
   * last delivery) and how busy the client was; throws unless every reader had every event.
   */
  async run(m: number, batch: number): Promise<{ seconds: number; busy: number }> {
    const result = await this.ask<{ seconds: number; events: number; busy: number }>({ m, batch });
    if (result.events !== this.#readers * m) {
      throw new Error(`${this.#name}: ${result.events} events arrived, not ${this.#readers} readers x ${m}`);
    }
    return result;
  }

  /** Sends `message` and resolves to the client's next line, parsed. */
  ask<T>(message: unknown): Promise<T> {
    this.#child.stdin!.write(`${JSON.stringify(message)}\n`);
    return this.reply();
  }

  /** The client's next line, parsed. */
  async reply<T>(): Promise<T> {
    return JSON.parse(await this.#next()) as T;
  }

  async close(): Promise<void> {
    this.#child.stdin!.end();
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 10_000);
    if (this.#child.exitCode === null && this.#child.signalCode === null) await exited;
    clearTimeout(timer);
  }

  #next(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }
}
