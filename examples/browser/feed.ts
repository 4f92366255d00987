/**
 * The live events panel: an `EventSource` on /sse with named events (`hello`, `token`,
 * `tick`). When the server ends a connection, the browser reconnects by itself after
 * the server's `retry`, sending `Last-Event-ID`; the panel shows that nothing was lost
 * or repeated.
 * @module
 */
import { appendLine, byId, setState } from "./dom.ts";
import { formatRanges } from "./ranges.ts";

/** Keep the token text box to its last few hundred characters. */
const MAX_TEXT = 1_200;

/**
 * Opens the feed. `endAfter` (tokens per connection) is passed on to /sse; `undefined`
 * leaves the server's default.
 */
export function startFeed(endAfter: string | undefined): EventSource {
  const text = byId("feed-text", HTMLElement);
  const ids = byId("feed-ids", HTMLElement);
  const clock = byId("feed-clock", HTMLElement);
  const log = byId("feed-log", HTMLElement);
  const received: number[] = [];
  let connections = 0;

  const source = new EventSource(endAfter === undefined ? "/sse" : `/sse?endAfter=${encodeURIComponent(endAfter)}`);
  setState("feed", "connecting", "connecting…");

  source.addEventListener("hello", (event) => {
    const { resumedAfter } = JSON.parse(event.data) as { resumedAfter: number | null };
    connections++;
    appendLine(
      log,
      resumedAfter === null
        ? `connection ${connections}: from the first event`
        : `connection ${connections}: the server resumed after #${resumedAfter}`,
    );
    setState("feed", "open", `open, connection ${connections}`);
  });
  source.addEventListener("token", (event) => {
    received.push(Number(event.lastEventId));
    text.textContent = ((text.textContent ?? "") + event.data).slice(-MAX_TEXT);
    text.scrollTop = text.scrollHeight;
    ids.textContent = formatRanges(received);
  });
  source.addEventListener("tick", (event) => {
    const { time, sent } = JSON.parse(event.data) as { time: string; sent: number };
    clock.textContent = `tick: server time ${time.slice(11, 19)}, ${sent} tokens sent`;
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CONNECTING) {
      appendLine(log, `stream ended: reconnecting with Last-Event-ID ${received.at(-1) ?? "(none)"}`);
      setState("feed", "reconnecting", "reconnecting…");
    } else {
      setState("feed", "error", "closed");
    }
  });
  return source;
}
