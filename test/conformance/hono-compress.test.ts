/**
 * Streams behind Hono's compress() middleware arrive as they are produced (issue #11):
 * sluice's streamed responses carry `cache-control: no-transform`, which compress()
 * honours, so it passes them through instead of holding them for a full block. Shown on
 * Node and Bun, where compress() held htmlResponse and ndjsonResponse back until the end.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const runtimes = {
  node: [process.execPath, ["dist/test/hosts/hono-compress.js"]],
  bun: [`${root}node_modules/.bin/bun`, ["test/hosts/hono-compress.ts"]],
} as const;

describe.each(Object.keys(runtimes) as (keyof typeof runtimes)[])("Hono compress() on %s", (runtime) => {
  let url: URL;
  let stop: () => void;
  beforeAll(async () => {
    const [command, args] = runtimes[runtime];
    const child = spawn(command, args, { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
    stop = () => child.stdin.end();
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`the ${runtime} host exited (${code})`)));
    });
    url = new URL((JSON.parse(line) as { url: string }).url);
  }, 20_000);
  afterAll(() => stop?.());

  let keys = 0;
  test.each(["html", "ndjson"])(
    "a %s stream's first part arrives before its producer is released, uncompressed (no-transform)",
    async (kind) => {
      const key = `${runtime}-${kind}-${++keys}`;
      const response = await fetch(new URL(`/${kind}?key=${key}`, url), { headers: { "accept-encoding": "gzip, br" } });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const deadline = Date.now() + 3_000;
      while (!text.includes("first") && Date.now() < deadline) {
        const read = await Promise.race([
          reader.read(),
          new Promise<null>((resolve) => setTimeout(() => resolve(null), deadline - Date.now())),
        ]);
        if (read === null || read.done) break;
        text += decoder.decode(read.value, { stream: true });
      }
      expect(text, "the first part, while the producer still waits (not held back for a full block)").toContain("first");
      expect(text).not.toContain("second");
      expect(response.headers.get("content-encoding"), "compress() passed it through as it is").toBeNull();
      expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
      await fetch(new URL(`/release?key=${key}`, url));
      for (let read = await reader.read(); !read.done; read = await reader.read())
        text += decoder.decode(read.value, { stream: true });
      expect(text).toContain("second");
    },
  );
});
