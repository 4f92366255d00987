/**
 * Waiting, for every suite and for the fixture's producers. Portable: timers only, so the
 * fixture can use it on Node, Deno, Bun and workerd.
 * @module
 */

import { sleep as sleepUnlessAborted } from "../../examples/sleep.ts";

/**
 * Resolves after `ms`; with a `signal`, rejects with its reason as soon as it aborts (a
 * producer's wait that stops when its client leaves): the demo's own `sleep`.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return signal ? sleepUnlessAborted(ms, signal) : new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until `check` holds or `ms` pass, every `every` ms; returns the last value either way. */
export async function eventually<T>(probe: () => Promise<T>, check: (value: T) => boolean, ms: number, every = 20): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(every);
  }
}

/** Resolves with `promise`, or rejects after `ms` saying what was awaited. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
