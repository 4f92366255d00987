/** What every benchmark server entry shares: memory readings, the URL line, the fetch variants. */
import process from "node:process";
import { honoApp } from "./hono-app.ts";
import { naiveApp } from "./naive-app.ts";
import { sluiceApp } from "./sluice-app.ts";
import { betterSseFetchApp } from "./better-sse-app.ts";
import { streamLoopApp } from "./broadcast-loop-app.ts";
import { topicsApp } from "./topics-app.ts";

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * RSS and JS heap after a full GC where the runtime allows it, so garbage is not counted
 * as held. Twice on V8: it frees the memory of dead ArrayBuffers on a background thread
 * after a GC, so `external` read right after one still counts it (10 MB too much after
 * 1,000 fan-out readers were sent a burst); the second GC first waits for that sweep.
 */
export function memory(): { rss: number; heap: number } {
  const host = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (host.gc) {
    host.gc();
    host.gc();
  } else host.Bun?.gc(true);
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heap: heapUsed + external };
}

/** The line the bench driver waits for. */
export const announce = (port: number) => console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/` }));

/**
 * Starts `variant` on a runtime whose sluice adapter is `serveSluice` and whose plain
 * fetch server is `listen` (Deno.serve, Bun.serve).
 */
export async function startFetchVariant(
  variant: string | undefined,
  serveSluice: (handler: FetchHandler) => Promise<{ port: number }>,
  listen: (handler: FetchHandler) => void,
): Promise<void> {
  switch (variant) {
    case "sluice":
      announce((await serveSluice(sluiceApp(memory))).port);
      break;
    case "pull":
      listen(naiveApp(memory));
      break;
    case "hono-streamSSE":
      listen(honoApp(memory).fetch);
      break;
    // The fan-out variants.
    case "sluice-topics":
      announce((await serveSluice(await topicsApp(memory))).port);
      break;
    case "stream-loop":
      listen(streamLoopApp(memory));
      break;
    case "better-sse":
      listen(betterSseFetchApp(memory));
      break;
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}
