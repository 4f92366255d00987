/**
 * Tests that depend on what a host cannot do (its `cannot` gaps, each with the reason):
 * declared here once, so every suite names a skipped or known-failing test the same way.
 */
import { test } from "vitest";
import type { Gap, Host } from "../hosts/hosts.ts";

type Body = () => Promise<void>;

/** The reason `host` gives for the first of `gaps` it has, if any. */
function reasonOf(host: Host, gaps: Gap[]): string | undefined {
  for (const gap of gaps) if (host.cannot?.[gap] !== undefined) return host.cannot[gap];
  return undefined;
}

/** A test skipped on a host with any of `gaps`, named with the reason there. */
export function unlessGap(host: Host, gaps: Gap[], name: string, fn: Body, timeout?: number): void {
  const reason = reasonOf(host, gaps);
  test.skipIf(reason !== undefined)(reason ? `${name}: not on ${host.name}: ${reason}` : name, fn, timeout);
}

/**
 * A test a host with `gap` is known to fail: `test.fails` there, named with the reason;
 * elsewhere skipped where the host has any of `skipOn`, else an ordinary test.
 */
export function knownGap(
  host: Host,
  gap: Gap,
  name: string,
  fn: Body,
  { skipOn = [], timeout }: { skipOn?: Gap[]; timeout?: number } = {},
): void {
  const reason = host.cannot?.[gap];
  if (reason) test.fails(`${name} (fails on ${host.name}: ${reason})`, fn, timeout);
  else unlessGap(host, skipOn, name, fn, timeout);
}
