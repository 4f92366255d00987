/**
 * The one timer the demo's producers await (the tests' producers wait on it too).
 * @module
 */

/**
 * Resolves after `ms`, or rejects with `signal.reason` as soon as `signal` aborts, so a
 * producer waiting here stops at once when its client leaves.
 * @example
 * ```ts
 * for (;;) { yield tick(); await sleep(1_000, signal); }
 * ```
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
