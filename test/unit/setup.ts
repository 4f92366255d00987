// Every unit test fails if anything it did left a promise rejection unhandled.
import { afterEach, expect } from "vitest";

const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(reason);
});

afterEach(async () => {
  // Rejections are reported after a macrotask; give them one before looking.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const seen = unhandled.splice(0);
  expect(seen, "unhandled rejections").toEqual([]);
});
