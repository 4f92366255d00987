/**
 * Bun's own types (bun-types) against the hand-written ones the Bun adapter uses:
 * compiling this fails if what the adapter passes to `Bun.serve` and `Bun.file` is no
 * longer what Bun takes, or what they return no longer fits the hand-written types.
 */
import type { BunFile, BunGlobal } from "../../runtimes/_types/bun.ts";

type Options = Parameters<BunGlobal["serve"]>[0];
type Server = ReturnType<BunGlobal["serve"]>;

export const serve = (options: Options): Server => Bun.serve(options);
export const file = (path: string): BunFile => Bun.file(path);
