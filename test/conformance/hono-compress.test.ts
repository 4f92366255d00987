/**
 * Streams behind Hono's compress() middleware arrive as they are produced (issue #11):
 * sluice's streamed responses carry `cache-control: no-transform`, which compress()
 * honours, so it passes them through instead of holding them for a full block. Shown on
 * Node and Bun, where compress() held htmlResponse and ndjsonResponse back until the end.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { within } from "../_support/time.ts";
import { processHost, type RunningHost } from "../hosts/hosts.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const runtimes = {
  node: [process.execPath, ["dist/test/hosts/hono-compress.js"]],
  bun: [`${root}node_modules/.bin/bun`, ["test/hosts/hono-compress.ts"]],
} as const;

describe.each(Object.keys(runtimes) as (keyof typeof runtimes)[])("Hono compress() on %s", (runtime) => {
  let running: RunningHost;
  beforeAll(async () => {
    const [command, args] = runtimes[runtime];
    running = await processHost(command, [...args]);
  }, 30_000);
  afterAll(() => running?.stop());

  let keys = 0;
  test.each(["html", "ndjson"])(
    "a %s stream's first part arrives before its producer is released, uncompressed (no-transform)",
    async (kind) => {
      const key = `${runtime}-${kind}-${++keys}`;
      const response = await fetch(new URL(`/${kind}?key=${key}`, running.url), { headers: { "accept-encoding": "gzip, br" } });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const deadline = Date.now() + 3_000;
      while (!text.includes("first") && Date.now() < deadline) {
        const read = await within(reader.read(), deadline - Date.now(), "the first part").catch(() => null);
        if (read === null || read.done) break;
        text += decoder.decode(read.value, { stream: true });
      }
      expect(text, "the first part, while the producer still waits (not held back for a full block)").toContain("first");
      expect(text).not.toContain("second");
      expect(response.headers.get("content-encoding"), "compress() passed it through as it is").toBeNull();
      expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
      await fetch(new URL(`/release?key=${key}`, running.url));
      for (let read = await reader.read(); !read.done; read = await reader.read())
        text += decoder.decode(read.value, { stream: true });
      expect(text).toContain("second");
    },
  );
});
