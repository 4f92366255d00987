/**
 * GET /fail: a text stream whose producer throws part-way. sluice never turns an error
 * into a clean end: the Node, Deno and Bun adapters abort the connection, so the
 * client's read rejects instead of seeing a body that merely looks short. workerd ends
 * an errored body cleanly (cloudflare/workerd#6818), so on a Worker the route ends it
 * with an in-band marker line instead (`onError`), which the page reads as the failure.
 * @module
 */
import { streamingResponse } from "../../src/index.ts";
import { FAILED_LINE } from "../browser/failed-line.ts";
import { sleep } from "../sleep.ts";

/** Lines sent before the producer throws. */
export const LINES_BEFORE_FAILURE = 3;
/** ms between two lines. */
const LINE_INTERVAL_MS = 300;

/** The error the producer throws; its message stays on the server. */
class DemoFailure extends Error {
  constructor() {
    super("the demo producer failed on purpose (the client sees a cut-off response, not this message)");
    this.name = "DemoFailure";
  }
}

/** Answers GET /fail; with `marked`, the failure is the last line {@link FAILED_LINE} (for a Worker). */
export function failRoute(request: Request, marked: boolean): Response {
  return streamingResponse(
    async function* (signal) {
      for (let line = 1; line <= LINES_BEFORE_FAILURE; line++) {
        yield `step ${line}: working…\n`;
        await sleep(LINE_INTERVAL_MS, signal);
      }
      throw new DemoFailure();
    },
    { signal: request.signal, ...(marked && { onError: () => `${FAILED_LINE}\n` }) },
  );
}
