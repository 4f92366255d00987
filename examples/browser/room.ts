/**
 * The room panel. Every tab that opens the page joins /room with `connectEvents`; the
 * form POSTs a message to /room, and it comes back to this tab the way it reaches every
 * other one, so all tabs show the same messages in the same order. A tab that joins late
 * first gets the messages the server still keeps; one whose connection drops reconnects
 * and resumes after the last message it had (or is told, by a gap event, that some are gone).
 * @module
 */
import { connectEvents, GAP_EVENT, type Gap } from "../../src/client.ts";
import type { RoomMessage } from "../routes/room.ts";
import { watchAttempts } from "./attempts.ts";
import { byId, errorText, setState, setStatus } from "./dom.ts";

/** Joins the room and wires its form. */
export function joinRoom(): void {
  const form = byId("room-form", HTMLFormElement);
  const input = byId("room-input", HTMLInputElement);
  const send = byId("room-send", HTMLButtonElement);
  const messages = byId("room-messages", HTMLElement);
  let count = 0;

  const show = (line: HTMLElement) => {
    messages.append(line);
    messages.scrollTop = messages.scrollHeight;
  };

  const joined = () => setState("room", "open", `joined, ${count} message${count === 1 ? "" : "s"}`);

  // The attempts are watched only to show the panel's state: joined once a response streams.
  const attempts = watchAttempts({
    request: ({ number }) => setState("room", "connecting", number > 1 ? "rejoining…" : "joining…"),
    response: () => {
      if (attempts.streaming) joined();
    },
    end: () => setState("room", "reconnecting", "reconnecting…"),
  });
  void (async () => {
    try {
      for await (const event of connectEvents("/room", { fetch: attempts.fetch })) {
        if (event.event === GAP_EVENT) {
          const { missed } = JSON.parse(event.data) as Gap;
          show(noticeLine(`${missed ?? "some"} messages since this tab's last one are gone (expired, or the server restarted)`));
        } else if (event.event === "message") {
          const { text, at } = JSON.parse(event.data) as RoomMessage;
          count++;
          show(messageLine(at, text));
          joined();
        }
      }
    } catch (error) {
      show(noticeLine(`left the room: ${errorText(error)}`));
    }
    setState("room", "error", "closed");
  })();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    send.disabled = true;
    try {
      const response = await fetch("/room", {
        method: "POST",
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: input.value,
      });
      if (response.ok) {
        input.value = "";
        setStatus("room", "Sent: it shows here when the room sends it back, as in every other tab.");
      } else {
        setStatus("room", (await response.text()).trim());
      }
    } catch (error) {
      setStatus("room", `Not sent: ${errorText(error)}`);
    } finally {
      send.disabled = false;
      input.focus();
    }
  });
}

/** One message: the server's time of it, and its text (as text, never as HTML). */
function messageLine(at: string, text: string): HTMLElement {
  const line = document.createElement("div");
  const time = document.createElement("time");
  time.dateTime = at;
  time.textContent = at.slice(11, 19);
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  line.append(time, " ", body);
  return line;
}

function noticeLine(text: string): HTMLElement {
  const line = document.createElement("div");
  line.className = "notice";
  line.textContent = text;
  return line;
}
