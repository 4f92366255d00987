import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run test:browser`: the demo against real clients (Chromium, the eventsource
// package, curl). Kept out of the root config so `npm test` needs no browser.
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    name: "browser",
    include: ["test/browser/**/*.test.ts"],
    maxWorkers: 2, // one Chromium, one file of Node clients
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // The /fail route's producer throws on purpose; the Node adapter logs it.
    onConsoleLog: (log) => !log.includes("DemoFailure"),
  },
});
