/**
 * Deno's own types (its built-in lib.deno, checked with `deno check`) against the
 * hand-written ones the Deno adapter uses: fails if the `Deno` global no longer fits.
 */
import type { DenoGlobal } from "../../runtimes/_types/deno.ts";

export const official: DenoGlobal = Deno;
