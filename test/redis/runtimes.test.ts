import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { redisForFile, redisMissing } from "./_helpers.ts";

const redis = redisForFile();
const bin = (name: string) => new URL(`../../node_modules/.bin/${name}`, import.meta.url).pathname;

/** Runs runtime-check.ts under a runtime; it must print what it read and exit by itself. */
function check(command: string, args: string[]) {
  const child = spawnSync(command, [...args, "test/redis/runtime-check.ts", redis.server.url], {
    cwd: new URL("../..", import.meta.url),
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(child.signal, `${command} was killed: it did not exit by itself\n${child.stderr}`).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  expect(JSON.parse(child.stdout.trim().split("\n").at(-1)!)).toEqual({
    live: ["one", "two", "three"],
    resumed: ["two", "three"],
  });
}

describe.skipIf(redisMissing !== undefined)(
  `redisStore on Deno and Bun${redisMissing ? ` (skipped: ${redisMissing})` : ""}`,
  () => {
    test("under Deno, publishes, reads live and resumes, then exits by itself", () => {
      check(bin("deno"), ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "--no-prompt"]);
    });

    test("under Bun, publishes, reads live and resumes, then exits by itself", () => {
      check(bin("bun"), []);
    });
  },
);
