/**
 * The resumable answer panel, read with `connectEvents`. "Start" makes one stream whose
 * first attempt is POST /answers, which starts the answer and streams it (201, `Location:
 * /answers/<id>`), and whose every later attempt is a GET of that `Location`, to which
 * `connectEvents` adds `Last-Event-ID`: the server replays what came after the last word
 * the page had. The POST is sent once; an answer never starts twice.
 *
 * After every word the answer's URL and the last event id are saved (saved-answer.ts), so
 * a reload resumes with `lastEventId`, right after the last word the page had, with the
 * counts it had. "Kill the connection" aborts the attempt being read (attempts.ts says
 * why that is a fair test), and `connectEvents` reconnects and resumes by itself. The
 * counts come from the numbers the words carry (tally.ts), so a repeat or a gap would
 * show. The answer ends with its `done` event (or a 204, to a client that has it all).
 * @module
 */
import { connectEvents, GAP_EVENT, ResponseStatusError, type ClientEvent, type Gap } from "../../src/client.ts";
import type { Done, Word } from "../routes/answers.ts";
import { watchAttempts, type Attempt } from "./attempts.ts";
import { appendLine, byId, errorText, setState } from "./dom.ts";
import { loadAnswer, saveAnswer, type SavedAnswer } from "./saved-answer.ts";
import { checkText, countEnd, countWord, emptyTally, receivedText } from "./tally.ts";

/** Where POST starts an answer. */
const ANSWERS_PATH = "/answers";
/**
 * The waits between attempts, in ms: half a second after a lost connection (doubling if
 * they fail in a row), so the resume shows at once. connectEvents' defaults (a second,
 * and up to a second of jitter) suit a server that many clients come back to at once.
 */
const RETRY = { initial: 500, max: 4_000, jitter: 250 };

/** Wires the Start and Kill buttons, and resumes the answer this tab was reading before a reload. */
export function wireAnswer(): void {
  const start = byId("answer-start", HTMLButtonElement);
  const kill = byId("answer-kill", HTMLButtonElement);
  const text = byId("answer-text", HTMLElement);
  const received = byId("answer-received", HTMLElement);
  const check = byId("answer-check", HTMLElement);
  const log = byId("answer-log", HTMLElement);
  /** Stops the stream being read, if one is (a new Start replaces it). */
  let reading: AbortController | undefined;
  /** Aborts the attempt being read: set by each stream. */
  let killCurrent = () => false;

  const render = (shown: SavedAnswer) => {
    text.textContent = shown.text;
    text.scrollTop = text.scrollHeight;
    received.textContent = receivedText(shown.tally);
    check.textContent = checkText(shown.tally);
  };
  const lastWord = (of: SavedAnswer | undefined) => (of === undefined ? 0 : of.tally.next - 1);

  /** Counts and shows one event of `answer`; false once the answer is over (`done`, `failed`). */
  function take(answer: SavedAnswer, event: ClientEvent): boolean {
    switch (event.event) {
      case "word": {
        const { n, of, text: word } = JSON.parse(event.data) as Word;
        if (countWord(answer.tally, n, of)) answer.text += (answer.text ? " " : "") + word;
        answer.lastEventId = event.lastEventId;
        saveAnswer(answer);
        render(answer);
        return true;
      }
      case "done": {
        const { words } = JSON.parse(event.data) as Done;
        countEnd(answer.tally, words);
        answer.lastEventId = event.lastEventId;
        answer.done = true;
        saveAnswer(answer);
        render(answer);
        appendLine(log, `done: the answer has ${words} words`);
        setState("answer", "done", "complete");
        return false;
      }
      case "failed":
        appendLine(log, `failed: ${event.data}`);
        setState("answer", "error", "failed");
        return false;
      case GAP_EVENT: {
        const { missed, reason } = JSON.parse(event.data) as Gap;
        appendLine(log, `gap (${reason}): ${missed ?? "an unknown number of"} events after word ${lastWord(answer)} are gone`);
        return true;
      }
      default:
        return true;
    }
  }

  /** Reads an answer: a new one (POST first), or `saved` after its last event id. */
  async function read(saved: SavedAnswer | undefined): Promise<void> {
    reading?.abort();
    const stop = new AbortController();
    reading = stop;
    start.disabled = true;
    /** The answer, once the POST's response said where it is (at once, after a reload). */
    let answer = saved;
    /** Connections made before this stream (a reload goes on counting). */
    const before = saved?.connections ?? 0;
    let posted = false;
    let over = false;
    /** Why the page stopped the stream itself, if it did. */
    let stopped: string | undefined;
    const stopBecause = (why: string) => {
      stopped ??= why;
      stop.abort();
    };

    const attempts = watchAttempts({
      request: (attempt) => {
        if (answer !== undefined) answer.connections = before + attempt.number;
        appendLine(log, `connection ${before + attempt.number}: ${sent(attempt, lastWord(answer))}`);
        setState("answer", "connecting", "connecting…");
      },
      response: (attempt, response) => {
        const location = response.headers.get("location");
        if (attempt.method === "POST" && response.status === 201 && location !== null) {
          answer = { url: location, lastEventId: null, tally: emptyTally(), text: "", connections: attempt.number, done: false };
          saveAnswer(answer);
          render(answer);
          appendLine(log, `201 Created, Location: ${location}`);
        } else if (attempt.method === "POST") {
          stopBecause(`the server did not start an answer: ${response.status} ${response.statusText}`);
        }
        if (attempts.streaming) setState("answer", "open", `streaming, connection ${before + attempt.number}`);
        kill.disabled = !attempts.streaming;
      },
      end: (attempt, error) => {
        kill.disabled = true;
        if (over || stop.signal.aborted) return; // the page stopped reading: nothing was lost
        const how = error === undefined ? "ended" : `lost (${errorText(error)})`;
        appendLine(log, `connection ${before + attempt.number} ${how} after word ${lastWord(answer)}: connectEvents resumes`);
        setState("answer", "reconnecting", "reconnecting…");
      },
    });
    killCurrent = attempts.kill;

    /** Each attempt's request: the POST that starts the answer, then GETs where its `Location` said. */
    const request = (): Request => {
      if (answer !== undefined) return new Request(answer.url);
      if (!posted) {
        posted = true;
        return new Request(ANSWERS_PATH, { method: "POST" });
      }
      // The POST got no response: it may have started an answer, but nothing says where,
      // and a second POST would start another. So the stream stops (an aborted signal ends it quietly).
      stopBecause("the POST got no response, and is not sent again: it may have started an answer this page cannot find");
      throw new Error(stopped);
    };

    try {
      const resume = saved?.lastEventId ? { lastEventId: saved.lastEventId } : {};
      for await (const event of connectEvents(request, { ...resume, fetch: attempts.fetch, signal: stop.signal, retry: RETRY })) {
        if (answer === undefined || !take(answer, event)) {
          over = true;
          break;
        }
      }
      if (stopped !== undefined) {
        appendLine(log, stopped);
        setState("answer", "error", "stopped");
      } else if (!over && !stop.signal.aborted && answer !== undefined) {
        // 204: the server has nothing more for a client that has every event.
        answer.done = true;
        saveAnswer(answer);
        appendLine(log, "204 No Content: the answer is complete");
        setState("answer", "done", "complete");
      }
    } catch (error) {
      if (error instanceof ResponseStatusError && error.status === 404) {
        appendLine(log, "404: the server has no such answer: it expired, or the server restarted");
        setState("answer", "error", "gone");
      } else {
        appendLine(log, `stopped: ${errorText(error)}`);
        setState("answer", "error", "error");
      }
    } finally {
      over = true;
      if (reading === stop) {
        reading = undefined;
        start.disabled = false;
        kill.disabled = true;
      }
    }
  }

  start.addEventListener("click", () => {
    log.textContent = "";
    render({ url: "", lastEventId: null, tally: emptyTally(), text: "", connections: 0, done: false });
    void read(undefined);
  });
  kill.addEventListener("click", () => {
    kill.disabled = true;
    killCurrent();
  });

  const saved = loadAnswer();
  if (saved === undefined) return;
  render(saved);
  if (saved.done) {
    appendLine(log, "page reloaded: the answer was complete before");
    setState("answer", "done", "complete");
  } else {
    appendLine(log, `page reloaded: resuming after word ${lastWord(saved)}`);
    void read(saved);
  }
}

/** An attempt as the log shows it: what `connectEvents` sent, and the word its `Last-Event-ID` is. */
function sent({ method, path, lastEventId }: Attempt, word: number): string {
  return lastEventId === null
    ? `${method} ${path}, from the first word`
    : `${method} ${path}, Last-Event-ID: ${lastEventId} (word ${word})`;
}
