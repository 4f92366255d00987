import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run test:stress`: faults and load against every conformance host (README,
// "Reliability"). Kept out of the root config so `npm test` stays quick. Every file runs
// at once: the hosts are separate processes that mostly wait on sockets and timers.
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    name: "stress",
    include: ["test/stress/**/*.test.ts"],
    globalSetup: ["test/stress/global.ts"], // fails the run if a server process is left running
    maxWorkers: 6,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
