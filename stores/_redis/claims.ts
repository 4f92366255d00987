/**
 * Run claims for the Redis store: `topic.run()` in one process at a time across every
 * process that shares the Redis. A claim is a key set with `NX` and an expiry, renewed
 * while the run goes on, so a process that dies lets go of it within the expiry.
 * @module
 */
import { quote } from "../../src/_messages.ts";
import { unref } from "../../src/_timers.ts";
import type { Connection } from "./connection.ts";
import { RELEASE, RENEW } from "./scripts.ts";

/** How long a claim lasts without renewal, ms; it is renewed every third of that. */
const CLAIM_MS = 15_000;

/** The claims this process holds, renewed until released or the store closes. */
export class Claims {
  readonly #commands: Connection;
  readonly #renewals = new Set<ReturnType<typeof setInterval>>();

  constructor(commands: Connection) {
    this.#commands = commands;
  }

  /** Claims `key` for `topic`'s run; see `TopicStore.claim`. */
  async claim(key: string, topic: string, lost: (error: unknown) => void): Promise<() => Promise<void>> {
    const token = crypto.randomUUID();
    const set = await this.#commands.send(["SET", key, token, "NX", "PX", String(CLAIM_MS)], "starting a run");
    if (set !== "OK") {
      throw new Error(
        `sluice: topic ${quote(topic)} already has a run in progress in another process that shares Redis at ${this.#commands.name}; ` +
          "a producer runs once. Clients resume it with topic.sseResponse(request) from any process.",
      );
    }
    let renewing = false;
    const renewal = unref(
      setInterval(async () => {
        if (renewing) return;
        renewing = true;
        try {
          const renewed = await this.#commands.script(RENEW, [key], [token, String(CLAIM_MS)], "renewing a run's claim");
          if (renewed === 0) {
            stop();
            lost(
              new Error(
                `sluice: the run of topic ${quote(topic)} lost its claim in Redis (not renewed in time); it was stopped.`,
              ),
            );
          }
        } catch {
          // Redis is unreachable: try again at the next tick; the run's publishes fail meanwhile.
        } finally {
          renewing = false;
        }
      }, CLAIM_MS / 3),
    );
    this.#renewals.add(renewal);
    const stop = () => {
      clearInterval(renewal);
      this.#renewals.delete(renewal);
    };
    return async () => {
      stop();
      await this.#commands.script(RELEASE, [key], [token], "ending a run").catch(() => {}); // else it expires
    };
  }

  /** Stops every renewal (the claims then expire). */
  close(): void {
    for (const renewal of this.#renewals) clearInterval(renewal);
    this.#renewals.clear();
  }
}
