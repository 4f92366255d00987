/**
 * The Workers types (@cloudflare/workers-types) against the hand-written ones the
 * Workers adapter uses: compiling this fails if `ExecutionContext` no longer fits.
 */
import type { WorkerContext } from "../../runtimes/_types/workers.ts";

export const official = (context: ExecutionContext): WorkerContext => context;
