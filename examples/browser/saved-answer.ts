/**
 * The answer the panel is reading, kept in sessionStorage after every word: a reload of
 * the page finds its URL, the id of the last event it had and what it had counted, and
 * resumes the answer right after that event. sessionStorage, not localStorage: each tab
 * follows its own answer, and it is gone with the tab. Starting a new answer replaces it.
 * @module
 */
import type { Tally } from "./tally.ts";

const KEY = "sluice-demo:answer";

/** What a reload needs to go on where the page was. */
export interface SavedAnswer {
  /** Where GET resumes the answer: the `Location` of the POST that started it (`/answers/<id>`). */
  url: string;
  /** The id of the last event received (the SSE `id`), or null before the first. */
  lastEventId: string | null;
  tally: Tally;
  /** The words shown so far. */
  text: string;
  /** Connections opened to the answer so far, reloads included. */
  connections: number;
  /** The `done` event arrived: there is nothing left to read. */
  done: boolean;
}

/** The saved answer, or `undefined` if there is none (or what is there is not one). */
export function loadAnswer(): SavedAnswer | undefined {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    return isSavedAnswer(saved) ? saved : undefined;
  } catch {
    return undefined;
  }
}

export function saveAnswer(answer: SavedAnswer): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(answer));
  } catch {
    // Storage full or turned off: the answer still streams; a reload starts afresh.
  }
}

function isSavedAnswer(value: unknown): value is SavedAnswer {
  const saved = value as Partial<SavedAnswer> | null;
  return (
    typeof saved?.url === "string" &&
    saved.url.startsWith("/answers/") &&
    (saved.lastEventId === null || typeof saved.lastEventId === "string") &&
    typeof saved.tally?.next === "number" &&
    typeof saved.text === "string" &&
    typeof saved.connections === "number" &&
    typeof saved.done === "boolean"
  );
}
