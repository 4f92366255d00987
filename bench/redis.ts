/**
 * The redis-server of the bench's Redis workloads: the tests' own
 * (test/_support/redis-server.ts), on a free loopback port, started for a workload and
 * stopped after it. Where /usr/bin/redis-server is missing, what needs it is skipped with
 * a note ({@link redisMissing}).
 */
import { type RedisServer, redisMissing, startRedis } from "../test/_support/redis-server.ts";

export { redisMissing, type RedisServer };

/** Runs `body` with a redis-server of its own, stopped after it (also when it throws). */
export async function withRedis<T>(body: (redis: RedisServer) => Promise<T>): Promise<T> {
  const redis = await startRedis();
  try {
    return await body(redis);
  } finally {
    await redis.stop();
  }
}

/**
 * The environment of a server variant on the Redis store (bench/servers/node.ts): which
 * Redis, and the prefix of its keys; instances given the same prefix share their topics.
 */
export const redisEnv = (redis: RedisServer, prefix: string) => ({ SLUICE_BENCH_REDIS: redis.url, SLUICE_BENCH_PREFIX: prefix });

/**
 * The commands Redis ran since `CONFIG RESETSTAT`, by name (`INFO commandstats`; those a
 * Lua script runs count as well), without the bench's own (`INFO`, `CONFIG`).
 */
export async function commandStats(redis: RedisServer): Promise<Map<string, number>> {
  const info = await redis.command("INFO commandstats");
  const calls = new Map<string, number>();
  for (const [, name, count] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (name !== "info" && !name!.startsWith("config")) calls.set(name!, Number(count));
  }
  return calls;
}
