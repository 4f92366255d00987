/**
 * The live events panel: /sse read with `connectEvents`, which dispatches its named
 * events (`hello`, `token`, `tick`). When the server ends a connection (after `endAfter`
 * tokens), or "Kill the connection" aborts the one being read (attempts.ts), the stream
 * reconnects by itself after the server's `retry`, sending `Last-Event-ID`; the panel
 * shows each request as it went out and that no id was lost or repeated.
 * @module
 */
import { connectEvents } from "../../src/client.ts";
import { watchAttempts } from "./attempts.ts";
import { appendLine, byId, errorText, setState } from "./dom.ts";
import { formatRanges } from "./ranges.ts";

/** Keep the token text box to its last few hundred characters. */
const MAX_TEXT = 1_200;
/**
 * ms of random wait added to each reconnect: a little, as connectEvents' default (up to a
 * second) would hide the server's `retry` in this one-client demo.
 */
const JITTER_MS = 100;

/**
 * Opens the feed and wires its Kill button. `endAfter` (tokens per connection) is passed
 * on to /sse; `undefined` leaves the server's default.
 */
export function startFeed(endAfter: string | undefined): void {
  const text = byId("feed-text", HTMLElement);
  const ids = byId("feed-ids", HTMLElement);
  const clock = byId("feed-clock", HTMLElement);
  const log = byId("feed-log", HTMLElement);
  const kill = byId("feed-kill", HTMLButtonElement);
  const received: number[] = [];
  const lastId = () => received.at(-1) ?? "(none)";

  const attempts = watchAttempts({
    request: ({ number, lastEventId }) => {
      if (number > 1) appendLine(log, `reconnecting with Last-Event-ID ${lastEventId ?? "(none)"}`);
      setState("feed", number > 1 ? "reconnecting" : "connecting", number > 1 ? "reconnecting…" : "connecting…");
    },
    response: () => {
      kill.disabled = !attempts.streaming;
    },
    end: (_attempt, error) => {
      kill.disabled = true;
      appendLine(log, error === undefined ? "stream ended by the server" : `connection lost (${errorText(error)})`);
      setState("feed", "reconnecting", "reconnecting…");
    },
  });
  kill.addEventListener("click", () => {
    kill.disabled = true;
    attempts.kill();
  });

  const url = endAfter === undefined ? "/sse" : `/sse?endAfter=${encodeURIComponent(endAfter)}`;
  const events = connectEvents(url, { fetch: attempts.fetch, retry: { jitter: JITTER_MS } });
  let connections = 0;
  void (async () => {
    try {
      for await (const event of events) {
        switch (event.event) {
          case "hello": {
            const { resumedAfter } = JSON.parse(event.data) as { resumedAfter: number | null };
            connections++;
            appendLine(
              log,
              resumedAfter === null
                ? `connection ${connections}: from the first event`
                : `connection ${connections}: the server resumed after #${resumedAfter}`,
            );
            setState("feed", "open", `open, connection ${connections}`);
            break;
          }
          case "token":
            received.push(Number(event.lastEventId));
            text.textContent = ((text.textContent ?? "") + event.data).slice(-MAX_TEXT);
            text.scrollTop = text.scrollHeight;
            ids.textContent = formatRanges(received);
            break;
          case "tick": {
            const { time, sent } = JSON.parse(event.data) as { time: string; sent: number };
            clock.textContent = `tick: server time ${time.slice(11, 19)}, ${sent} tokens sent`;
            break;
          }
        }
      }
      appendLine(log, `the server said there is no more, after #${lastId()}`);
    } catch (error) {
      appendLine(log, `stopped: ${errorText(error)}`);
    }
    kill.disabled = true;
    setState("feed", "error", "closed");
  })();
}
