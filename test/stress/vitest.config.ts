import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run test:stress`: faults and load against every conformance host (README,
// "Reliability"). Kept out of the root config so `npm test` stays quick. The per-host
// files run at once: the hosts are separate processes that mostly wait on sockets and
// timers. The 10,000-stream file runs after them, alone: opening and holding that many
// connections loads both cores, and the others' timing bounds (a healthy stream's largest
// gap beside stalled clients) would measure it instead of the host under test. The
// failover file (two instances, a redis-server, a proxy and 20 readers) runs last, alone
// too, so its figures (ms from a kill to the readers' first event elsewhere) measure
// failover rather than the other files' load, and its load does not disturb them.
const root = fileURLToPath(new URL("../..", import.meta.url));
const shared = { root, testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  root,
  test: {
    globalSetup: ["test/stress/global.ts"], // fails the run if a server process is left running
    projects: [
      {
        test: {
          ...shared,
          name: "stress",
          include: ["test/stress/**/*.test.ts"],
          exclude: ["test/stress/many-streams.test.ts", "test/stress/failover.test.ts"],
          maxWorkers: 5,
        },
      },
      {
        test: {
          ...shared,
          name: "stress-many",
          include: ["test/stress/many-streams.test.ts"],
          sequence: { groupOrder: 1 }, // after the per-host files
        },
      },
      {
        test: {
          ...shared,
          name: "stress-failover",
          include: ["test/stress/failover.test.ts"],
          sequence: { groupOrder: 2 }, // after the 10,000 streams
        },
      },
    ],
  },
});
