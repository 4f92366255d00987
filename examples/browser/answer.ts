/**
 * The resumable answer panel. "Start" POSTs /answers, and the answer's words are read from
 * /answers/<id> with an `EventSource`. After every word the answer's id and the last
 * event id are saved (saved-answer.ts), so a reload resumes right after the last word the
 * page had, with the counts it had; "Drop connection" closes the `EventSource` and opens
 * a new one that resumes the same way.
 *
 * A new `EventSource` cannot send `Last-Event-ID`, so it resumes with `?lastEventId=` in
 * its URL; its own reconnects (after a network error) send the header, which the server
 * prefers, so they resume after what they had got since. The counts come from the numbers
 * the words carry (tally.ts), so a repeat or a gap would show. The answer's last event,
 * `done`, closes the `EventSource`: without it, the end of the stream would look to
 * `EventSource` like a dropped connection.
 *
 * `GAP_EVENT` comes from the module that defines it: the page loads it and one other,
 * where `sluice`'s entry point would bring in the whole server side.
 * @module
 */
import { GAP_EVENT, type Gap } from "../../src/gap.ts";
import type { Done, Word } from "../routes/answers.ts";
import { appendLine, byId, errorText, setState } from "./dom.ts";
import { loadAnswer, saveAnswer, type SavedAnswer } from "./saved-answer.ts";
import { checkText, countEnd, countWord, emptyTally, receivedText } from "./tally.ts";

/** Wires the Start and Drop buttons, and resumes the answer this tab was reading before a reload. */
export function wireAnswer(): void {
  const start = byId("answer-start", HTMLButtonElement);
  const drop = byId("answer-drop", HTMLButtonElement);
  const text = byId("answer-text", HTMLElement);
  const received = byId("answer-received", HTMLElement);
  const check = byId("answer-check", HTMLElement);
  const log = byId("answer-log", HTMLElement);
  let answer: SavedAnswer | undefined;
  let source: EventSource | undefined;

  const render = (shown: SavedAnswer) => {
    text.textContent = shown.text;
    text.scrollTop = text.scrollHeight;
    received.textContent = receivedText(shown.tally);
    check.textContent = checkText(shown.tally);
  };
  const close = () => {
    source?.close();
    source = undefined;
    start.disabled = false;
    drop.disabled = true;
  };
  const lastWord = (of: SavedAnswer) => of.tally.next - 1;
  const resuming = (of: SavedAnswer) =>
    of.lastEventId === null ? "from the first word" : `resuming after word ${lastWord(of)} with ?lastEventId=`;

  /** Reads `current` from after its last event id (from its first word if it has none). */
  function connect(current: SavedAnswer, why: string): void {
    current.connections++;
    const query = current.lastEventId === null ? "" : `?lastEventId=${encodeURIComponent(current.lastEventId)}`;
    const events = new EventSource(`/answers/${encodeURIComponent(current.id)}${query}`);
    source = events;
    start.disabled = true;
    drop.disabled = false;
    appendLine(log, `connection ${current.connections}: ${why}`);
    setState("answer", "connecting", "connecting…");

    events.addEventListener("open", () => setState("answer", "open", `streaming, connection ${current.connections}`));
    events.addEventListener("word", (event) => {
      const { n, of, text: word } = JSON.parse(event.data) as Word;
      if (countWord(current.tally, n, of)) current.text += (current.text ? " " : "") + word;
      current.lastEventId = event.lastEventId;
      saveAnswer(current);
      render(current);
    });
    events.addEventListener("done", (event) => {
      const { words } = JSON.parse(event.data) as Done;
      countEnd(current.tally, words);
      current.lastEventId = event.lastEventId;
      current.done = true;
      saveAnswer(current);
      close();
      render(current);
      appendLine(log, `done: the answer has ${words} words; EventSource closed`);
      setState("answer", "done", "complete");
    });
    events.addEventListener("failed", (event) => {
      close();
      appendLine(log, `failed: ${event.data}`);
      setState("answer", "error", "failed");
    });
    events.addEventListener(GAP_EVENT, (event) => {
      const { missed, reason } = JSON.parse(event.data) as Gap;
      appendLine(log, `gap (${reason}): ${missed ?? "an unknown number of"} events after word ${lastWord(current)} are gone`);
    });
    events.addEventListener("error", () => {
      if (events.readyState === EventSource.CONNECTING) {
        appendLine(log, `connection ${current.connections} lost: EventSource resumes after word ${lastWord(current)}`);
        setState("answer", "reconnecting", "reconnecting…");
        return;
      }
      // Refused (404: expired, or unknown to a restarted server), or cut off as the page unloads: the
      // two look the same here, so the saved answer stays, and a reload tries it again.
      close();
      appendLine(log, "the server refused the answer: it has expired, or the server restarted (a reload tries again)");
      setState("answer", "error", "gone");
    });
  }

  start.addEventListener("click", async () => {
    close();
    start.disabled = true;
    log.textContent = "";
    setState("answer", "connecting", "starting…");
    try {
      const response = await fetch("/answers", { method: "POST" });
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}: ${(await response.text()).trim()}`);
      const { id } = (await response.json()) as { id: string };
      answer = { id, lastEventId: null, tally: emptyTally(), text: "", connections: 0, done: false };
      saveAnswer(answer);
      render(answer);
      connect(answer, "from the first word");
    } catch (error) {
      start.disabled = false;
      appendLine(log, `could not start an answer: ${errorText(error)}`);
      setState("answer", "error", "not started");
    }
  });
  drop.addEventListener("click", () => {
    if (answer === undefined || source === undefined) return;
    source.close();
    appendLine(log, `dropped connection ${answer.connections} after word ${lastWord(answer)}`);
    connect(answer, resuming(answer));
  });

  answer = loadAnswer();
  if (answer === undefined) return;
  render(answer);
  if (answer.done) {
    appendLine(log, "page reloaded: the answer was complete before");
    setState("answer", "done", "complete");
  } else connect(answer, `page reloaded: ${resuming(answer)}`);
}
