/**
 * The log tail panel: reads /logs with `readNdjson`, one row per JSON line as it comes.
 * @module
 */
import { readNdjson } from "../../src/client.ts";
import type { LogEntry } from "../routes/logs.ts";
import { byId, errorText, setState } from "./dom.ts";

/** Wires the "Tail the log" button. */
export function wireLogs(): void {
  const button = byId("logs-start", HTMLButtonElement);
  const rows = byId("logs-rows", HTMLTableSectionElement);
  const scroller = byId("logs-table-wrap", HTMLElement);
  button.addEventListener("click", async () => {
    button.disabled = true;
    rows.replaceChildren();
    setState("logs", "running", "tailing…");
    try {
      for await (const entry of readNdjson<LogEntry>(await fetch("/logs"))) {
        rows.append(row(entry));
        scroller.scrollTop = scroller.scrollHeight;
      }
      setState("logs", "done", `${rows.childElementCount} entries, ended`);
    } catch (error) {
      setState("logs", "error", errorText(error));
    } finally {
      button.disabled = false;
    }
  });
}

function row({ seq, time, level, msg }: LogEntry): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.dataset.seq = String(seq);
  tr.className = `level-${level}`;
  for (const [text, className] of [
    [String(seq), ""],
    [time.slice(11, 23), ""],
    [level, ""],
    [msg, "msg"],
  ] as const) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    tr.append(td);
  }
  return tr;
}
