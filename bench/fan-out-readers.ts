/**
 * One fan-out client (bench/clients/fan-out.ts) and the readers it holds open, spoken to in
 * lines of JSON: it prints the server's memory per reader once they are connected, then
 * the figures of each run it is asked for.
 */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { client } from "./processes.ts";

export class Readers {
  readonly ready: Promise<{ rssPerReader: number; heapPerReader: number }>;
  readonly #child: ChildProcess;
  readonly #name: string;
  readonly #readers: number;
  readonly #lines: string[] = [];
  #waiting: { resolve(line: string): void; reject(error: Error): void } | undefined;
  #exited: Error | undefined;

  constructor(url: string, readers: number, name: string) {
    this.#name = name;
    this.#readers = readers;
    this.#child = client("fan-out", url, String(readers));
    createInterface({ input: this.#child.stdout! }).on("line", (line) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting) waiting.resolve(line);
      else this.#lines.push(line);
    });
    this.#child.once("exit", (code) => {
      this.#exited = new Error(`the fan-out client of ${name} exited with ${code}`);
      this.#waiting?.reject(this.#exited);
    });
    this.ready = this.#next().then((line) => JSON.parse(line));
  }

  /**
   * One run: `m` events, `batch` per turn. Its seconds (from the publish request to the
   * last delivery) and how busy the client was; throws unless every reader had every event.
   */
  async run(m: number, batch: number): Promise<{ seconds: number; busy: number }> {
    this.#child.stdin!.write(`${JSON.stringify({ m, batch })}\n`);
    const result = JSON.parse(await this.#next()) as { seconds: number; events: number; busy: number };
    if (result.events !== this.#readers * m) {
      throw new Error(`${this.#name}: ${result.events} events arrived, not ${this.#readers} readers x ${m}`);
    }
    return result;
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
