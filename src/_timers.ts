/**
 * Timers of the core.
 * @module
 */

/**
 * Lets a pending sluice timer not keep the process alive where the host supports that
 * (Node, Bun); elsewhere timers are plain numbers and this does nothing.
 */
export function unref<T>(timer: T): T {
  (timer as { unref?: () => void } | undefined)?.unref?.();
  return timer;
}
