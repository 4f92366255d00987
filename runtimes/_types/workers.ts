/** The part of the Workers `ExecutionContext` the Workers adapter uses (see README.md). */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}
