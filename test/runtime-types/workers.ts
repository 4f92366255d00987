/**
 * The Workers types (@cloudflare/workers-types) against the hand-written ones the
 * Workers adapter uses: compiling this fails if `ExecutionContext`, a Durable Object
 * namespace binding or a Durable Object's state no longer fits.
 */
import type { TopicNamespace, TopicObjectState, WorkerContext } from "../../runtimes/_types/workers.ts";

export const official = (context: ExecutionContext): WorkerContext => context;
export const namespace = (binding: DurableObjectNamespace): TopicNamespace<DurableObjectId> => binding;
export const state = (ctx: DurableObjectState): TopicObjectState => ctx;
