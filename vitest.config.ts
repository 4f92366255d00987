import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          setupFiles: ["test/unit/setup.ts"],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: "redis",
          // The Redis store against a real redis-server (one per file, on a free loopback port).
          include: ["test/redis/**/*.test.ts"],
          setupFiles: ["test/unit/setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "conformance",
          include: ["test/conformance/**/*.test.ts"],
          // The Node binaries of the release lines it runs on (test/hosts/node-versions.ts), fetched once.
          globalSetup: ["test/conformance/global-setup.ts"],
          // Each file waits on a real server (30 s of it on a quiet stream): I/O, not CPU,
          // so every host runs at once even on two cores.
          maxWorkers: 6,
          sequence: { groupOrder: 1 }, // after the unit tests
          testTimeout: 15_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "latency",
          // Timing bounds of a few ms: run alone, after the other projects, so their load
          // (six conformance files at once) is not what is measured.
          include: ["test/latency/**/*.test.ts"],
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
