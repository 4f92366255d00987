/** Shared fixtures of the unit tests. */
export { sleep, within } from "../_support/time.ts";

export const decoder = new TextDecoder();

/** Reads every chunk of a stream. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
  return chunks;
}

/** Reads a stream as text, and the chunks as separate strings. */
export async function textChunks(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  return (await readAll(stream)).map((chunk) => decoder.decode(chunk));
}

/** A promise settled from outside. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A promise that never resolves on its own and rejects with the signal's reason when it aborts. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * A producer that records what happened to it: how many items it made, whether its
 * `finally` ran, and the signal it was handed.
 */
export function tracked<T>(body: (signal: AbortSignal, state: { produced: number }) => AsyncGenerator<T>) {
  const state = {
    produced: 0,
    finallyRan: false,
    signal: undefined as AbortSignal | undefined,
    finished: deferred(),
  };
  const producer = async function* (signal: AbortSignal) {
    state.signal = signal;
    try {
      yield* body(signal, state);
    } finally {
      state.finallyRan = true;
      state.finished.resolve();
    }
  };
  return { state, producer };
}
