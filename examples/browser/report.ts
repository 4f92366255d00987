/**
 * The report panel: loads /report into an iframe, where the browser renders each
 * section as it arrives.
 * @module
 */
import { byId, setState } from "./dom.ts";

/** Wires the "Stream the report" button. */
export function wireReport(): void {
  const button = byId("report-start", HTMLButtonElement);
  const frame = byId("report-frame", HTMLIFrameElement);
  frame.addEventListener("load", () => {
    if (frame.dataset.loading !== "true") return;
    delete frame.dataset.loading;
    setState("report", "done", "complete");
    button.disabled = false;
  });
  button.addEventListener("click", () => {
    button.disabled = true;
    frame.dataset.loading = "true";
    setState("report", "running", "streaming…");
    frame.src = `/report?at=${Date.now()}`; // a new URL: the report streams again
  });
}
