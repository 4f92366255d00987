import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8"));
const pkg = read("package.json");
const deno = read("deno.json");

describe("package layout", () => {
  test("package.json and deno.json export the same subpaths", () => {
    expect(Object.keys(deno.exports).sort()).toEqual(Object.keys(pkg.exports).sort());
  });

  test("every package.json export has types and points into dist/", () => {
    for (const [key, target] of Object.entries<Record<string, string>>(pkg.exports)) {
      expect(target.types, key).toMatch(/^\.\/dist\/.*\.d\.ts$/);
      expect(target.default, key).toMatch(/^\.\/dist\/.*\.js$/);
    }
  });

  test("every deno.json export points at a TypeScript source that exists", () => {
    for (const target of Object.values<string>(deno.exports)) {
      expect(target).toMatch(/\.ts$/);
      expect(() => readFileSync(new URL(`../../${target}`, import.meta.url))).not.toThrow();
    }
  });

  test("the package is ESM only and free of side effects", () => {
    expect(pkg.type).toBe("module");
    expect(pkg.sideEffects).toBe(false);
  });
});
