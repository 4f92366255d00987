/**
 * The few DOM helpers the page's panels share.
 * @module
 */

/** What a panel is doing; shown in its badge and as `data-state` (which tests wait on). */
export type PanelState = "idle" | "connecting" | "open" | "reconnecting" | "running" | "paused" | "done" | "error";

/** The element with `id`, checked to be a `type`: a missing one is a bug in the page. */
export function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`demo page: no <${type.name}> with id "${id}"`);
  return element;
}

/** Sets a panel's state and its badge's text. */
export function setState(panelId: string, state: PanelState, label: string = state): void {
  const panel = byId(panelId, HTMLElement);
  panel.dataset.state = state;
  const badge = panel.querySelector(".badge");
  if (badge) badge.textContent = label;
}

/** Sets the text of a panel's `[data-role=status]` line. */
export function setStatus(panelId: string, text: string): void {
  const status = byId(panelId, HTMLElement).querySelector("[data-role=status]");
  if (status) status.textContent = text;
}

/** Appends a line to a log box and scrolls it into view. */
export function appendLine(box: HTMLElement, line: string): void {
  box.textContent += (box.textContent ? "\n" : "") + line;
  box.scrollTop = box.scrollHeight;
}

/** An error as one line of text: `TypeError: network error`. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
