/**
 * One call of a source's `next()`, observable without awaiting it: whether it has
 * settled yet is what decides if an item is "ready at once" and may join a chunk.
 * @module
 */
import { describe } from "./_messages.ts";
import { isThenable, type Cursor } from "./_source.ts";

/** One `next()`: settled at once for sync sources, later for async ones. */
export interface Step<T> {
  settled: boolean;
  result?: IteratorResult<T>;
  failed?: boolean;
  error?: unknown;
  /** Settles with the step (never rejects); absent when it settled at once. */
  promise?: Promise<void>;
}

/** Calls `cursor.next()` and tracks its outcome. */
export function advance<T>(cursor: Cursor<T>): Step<T> {
  let result: IteratorResult<T> | Promise<IteratorResult<T>>;
  try {
    result = cursor.next();
  } catch (error) {
    return { settled: true, failed: true, error };
  }
  if (!isThenable(result)) return settle({ settled: true }, result);
  const step: Step<T> = { settled: false };
  step.promise = Promise.resolve(result).then(
    (value) => void settle(step, value),
    (error: unknown) => {
      step.settled = true;
      step.failed = true;
      step.error = error;
    },
  );
  return step;
}

/** A step that failed without calling the source (e.g. an item it could not encode). */
export function failedStep<T>(error: unknown): Step<T> {
  return { settled: true, failed: true, error };
}

function settle<T>(step: Step<T>, value: unknown): Step<T> {
  step.settled = true;
  if (typeof value === "object" && value !== null) {
    step.result = value as IteratorResult<T>;
  } else {
    step.failed = true;
    step.error = new TypeError(`sluice: the source's next() returned ${describe(value)}, not an iterator result {done, value}.`);
  }
  return step;
}
