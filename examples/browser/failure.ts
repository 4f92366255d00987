/**
 * The error panel: reads /fail, whose producer throws after a few lines. The server cuts
 * the response off, so the read rejects and the panel shows the error state. A Worker
 * cannot cut it off: it ends the response with {@link FAILED_LINE}, shown as the failure.
 * @module
 */
import { readLines } from "../../src/client.ts";
import { appendLine, byId, errorText, setState, setStatus } from "./dom.ts";
import { FAILED_LINE } from "./failed-line.ts";

/** Wires the "Make the producer throw" button. */
export function wireFailure(): void {
  const button = byId("failure-start", HTMLButtonElement);
  const lines = byId("failure-lines", HTMLElement);
  button.addEventListener("click", async () => {
    button.disabled = true;
    lines.textContent = "";
    setState("failure", "running", "reading…");
    setStatus("failure", "");
    let count = 0;
    try {
      let marked = false;
      for await (const line of readLines(await fetch("/fail"))) {
        if (line === FAILED_LINE) {
          marked = true;
          break;
        }
        appendLine(lines, line);
        count++;
      }
      if (marked) {
        setState("failure", "error", "failed (marker)");
        setStatus(
          "failure",
          `The server marked the response as failed after ${count} lines: a Worker ends a failed body cleanly (cloudflare/workerd#6818), so onError sends a last line that says so.`,
        );
        return;
      }
      setState("failure", "done", "ended cleanly");
      setStatus("failure", `The body ended cleanly after ${count} lines: an error was hidden.`);
    } catch (error) {
      setState("failure", "error", "cut off");
      setStatus("failure", `The response was cut off after ${count} lines (${errorText(error)}).`);
    } finally {
      button.disabled = false;
    }
  });
}
