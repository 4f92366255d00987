/**
 * Joining the items of one pull: an item that is ready at once joins the chunk; one that
 * takes a real wait is left for the next pull, so it is sent at once, alone.
 * @module
 */
import { Batch, type Encoder } from "./_encode.ts";
import type { Cursor } from "./_source.ts";
import { advance, failedStep, type Step } from "./_step.ts";

/** Upper bound of items in one chunk, so a run of empty items cannot hold a pull forever. */
const BATCH_ITEMS = 4096;
/**
 * Microtask turns a next() may take and still count as "already available". An async
 * generator that yields without awaiting settles in 2, one that awaits a settled promise
 * in 3; anything waiting for I/O or a timer takes a macrotask and is sent without it.
 */
export const READY_TICKS = 4;

/** What one pull joined, and what it leaves for the next. */
export interface Joined<T> {
  batch: Batch;
  /** A step started and not yet sent: the one item run ahead, or a failure to report next. */
  pending: Step<T> | undefined;
  /** The source said it is done. */
  done: boolean;
  /** The index of the next item. */
  index: number;
}

/**
 * Joins `first` (settled) and the items ready right after it, up to `maxBytes` (0: no
 * joining) or {@link BATCH_ITEMS}. A failure after some items is left pending, so they go
 * out first; a failure with nothing before it is thrown. `stopped()` ends the joining
 * when the body has ended meanwhile. `owned`: the source never fills again what it
 * yielded (file slices, a topic's shared bytes), so a lone item is not copied to keep it.
 * Answers at once unless an item takes microtask turns to settle (an async generator's).
 */
export function joinReady<T>(
  first: Step<T>,
  cursor: Cursor<T>,
  encode: Encoder<T>,
  index: number,
  maxBytes: number,
  stopped: () => boolean,
  owned = false,
): Joined<T> | Promise<Joined<T>> {
  const joined: Joined<T> = { batch: new Batch(owned), pending: undefined, done: false, index };
  return joinFrom(first, { joined, cursor, encode, maxBytes, stopped, owned });
}

interface Joining<T> {
  joined: Joined<T>;
  cursor: Cursor<T>;
  encode: Encoder<T>;
  maxBytes: number;
  stopped: () => boolean;
  owned: boolean;
}

/** Joins from `step` (settled) for as long as items answer at once. */
function joinFrom<T>(step: Step<T>, joining: Joining<T>): Joined<T> | Promise<Joined<T>> {
  const { joined, cursor, encode, maxBytes, owned } = joining;
  const { batch } = joined;
  for (;;) {
    if (step.failed) {
      if (batch.count === 0) throw step.error;
      joined.pending = step; // send what came before it; the next pull reports the error
      return joined;
    }
    const result = step.result!;
    if (result.done) {
      joined.done = true;
      return joined;
    }
    try {
      batch.add(encode(result.value, joined.index++));
    } catch (error) {
      if (batch.count === 0) throw error;
      joined.pending = failedStep(error); // send the good items first
      return joined;
    }
    if (batch.size >= maxBytes || batch.count >= BATCH_ITEMS) return joined;
    if (cursor.ready?.() === false) return joined; // nothing more now: send what is here
    if (!owned) batch.secure(); // the producer runs again now and may reuse what it yielded
    step = advance(cursor);
    if (!step.settled) return joinSoon(step, joining);
  }
}

/** Gives `step` a few microtask turns to settle: settled, it joins; else it is left for the next pull. */
async function joinSoon<T>(step: Step<T>, joining: Joining<T>): Promise<Joined<T>> {
  for (let tick = 0; tick < READY_TICKS && !step.settled; tick++) await undefined;
  if (joining.stopped()) return joining.joined;
  if (!step.settled) {
    joining.joined.pending = step;
    return joining.joined;
  }
  return joinFrom(step, joining);
}
