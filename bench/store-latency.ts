/**
 * Publish→follower latency of the Redis store itself, with no HTTP and no readers: two
 * stores on one Redis in this process (as two instances would be), each following a
 * topic; the first publishes `rate` stamped events a second into it, paced as the
 * redis-latency servers' publisher is, and each follower records when each event reached
 * it (the store's `follow` sink: where a topic's log takes it and wakes its readers).
 * What the Redis store adds to an event's way, beside the end-to-end figures whose
 * writes to a thousand sockets an instance are bound by the machine.
 */
import type { StoredEntry } from "../src/store.ts";
import { redisStore } from "../stores/redis.ts";
import { publishPaced } from "./publisher.ts";
import { quantile } from "./quantile.ts";
import type { RedisServer } from "./redis.ts";
import { now } from "./workloads.ts";

/** The delays of one follower, ms. */
export interface FollowerDelays {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** One run of `seconds` at `rate` on `redis`: the delays seen by the publishing store's follower, and by the other's. */
export async function storeLatency(
  redis: RedisServer,
  rate: number,
  seconds: number,
  prefix: string,
): Promise<[FollowerDelays, FollowerDelays]> {
  const stores = [redisStore({ url: redis.url, prefix }), redisStore({ url: redis.url, prefix })];
  const total = Math.round(rate * seconds);
  const delays = stores.map(() => new Float64Array(total));
  const counts = stores.map(() => 0);
  let done!: () => void;
  let failed!: (error: unknown) => void;
  const allArrived = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const arrive = (follower: number, batch: readonly StoredEntry[]) => {
    const at = now();
    for (const entry of batch) {
      if (entry.kind !== "event") continue;
      const { t } = JSON.parse(entry.data) as { t: number };
      delays[follower]![counts[follower]!++] = at - t;
    }
    if (counts.every((count) => count >= total)) done();
  };
  const topic = `alone-${Date.now()}`;
  const unfollow = stores.map((store, follower) =>
    store.follow(topic, { entries: (batch) => arrive(follower, batch), error: failed }),
  );
  try {
    // Both followers in their blocking reads before the first event (the topic's first, empty, batch).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const retain = { events: 10_000 };
    await publishPaced(rate, seconds, (event) =>
      stores[0]!.append(topic, { kind: "event", data: JSON.stringify(event.data) }, retain),
    );
    const timer = setTimeout(
      () => failed(new Error(`the followers had ${counts.join(" and ")} of ${total} events after 10 s`)),
      10_000,
    );
    await allArrived.finally(() => clearTimeout(timer));
  } finally {
    for (const stop of unfollow) stop();
    await Promise.all(stores.map((store) => store.close?.()));
  }
  const summary = (values: Float64Array): FollowerDelays => {
    const sorted = values.sort();
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: quantile(sorted, 1), samples: sorted.length };
  };
  return [summary(delays[0]!), summary(delays[1]!)];
}
