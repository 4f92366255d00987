/**
 * The download panel: fetches /download and reads it with `readChunks`, driving a
 * progress bar from `Content-Length`. Pause aborts the fetch and keeps the bytes; Resume
 * asks for the rest with `Range` (and `If-Range`, so a changed file is sent whole). At
 * the end the bytes' SHA-256 is checked against the server's `Repr-Digest`.
 * @module
 */
import { readChunks } from "../../src/client.ts";
import { byId, errorText, setState, setStatus } from "./dom.ts";

/** Wires the Download, Pause and Resume buttons. */
export function wireDownload(): void {
  const start = byId("download-start", HTMLButtonElement);
  const pause = byId("download-pause", HTMLButtonElement);
  const resume = byId("download-resume", HTMLButtonElement);
  const progress = byId("download-progress", HTMLProgressElement);
  const receivedText = byId("download-received", HTMLElement);
  const resumedText = byId("download-resumed", HTMLElement);
  const shaText = byId("download-sha", HTMLElement);

  let parts: Uint8Array[] = [];
  let received = 0;
  let total = 0;
  let validator: string | null = null; // Last-Modified, sent back as If-Range
  let digest: string | null = null; // Repr-Digest of the whole file
  let controller: AbortController | undefined;

  const buttons = (running: boolean, paused: boolean) => {
    start.disabled = running;
    pause.disabled = !running;
    resume.disabled = !paused;
  };
  const render = () => {
    const percent = total > 0 ? Math.floor((received / total) * 100) : 0;
    progress.value = percent;
    receivedText.textContent = `${percent} % (${mib(received)} of ${mib(total)})`;
  };

  async function run(from: number): Promise<void> {
    controller = new AbortController();
    buttons(true, false);
    setState("download", "running", from > 0 ? "resuming…" : "downloading…");
    setStatus("download", "");
    const headers: Record<string, string> = {};
    if (from > 0) {
      headers.range = `bytes=${from}-`;
      if (validator) headers["if-range"] = validator;
    }
    try {
      const response = await fetch("/download", { headers, cache: "no-store", signal: controller.signal });
      if (from > 0) {
        resumedText.textContent =
          `resumed at byte ${from}: ${response.status} ${response.statusText}` +
          (response.headers.has("content-range") ? `, ${response.headers.get("content-range")}` : "");
      }
      if (response.status !== 206) {
        // The whole file (a first request, or the file changed since): start from zero.
        parts = [];
        received = 0;
        total = Number(response.headers.get("content-length"));
        validator = response.headers.get("last-modified");
        digest = response.headers.get("repr-digest");
      }
      for await (const chunk of readChunks(response)) {
        parts.push(chunk);
        received += chunk.byteLength;
        render();
      }
      await finish();
    } catch (error) {
      if (controller.signal.aborted) {
        setState("download", "paused", "paused");
        setStatus("download", `Paused with ${mib(received)} received; Resume asks for the rest with a Range request.`);
        buttons(false, received > 0);
        return;
      }
      setState("download", "error", "failed");
      setStatus("download", errorText(error));
      buttons(false, false);
    }
  }

  async function finish(): Promise<void> {
    const bytes = new Uint8Array(received);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.byteLength;
    }
    const hex = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
    const expected = digest?.match(/sha-256=:([^:]+):/)?.[1];
    const matches = expected !== undefined && toHex(Uint8Array.from(atob(expected), (c) => c.charCodeAt(0))) === hex;
    shaText.textContent = hex;
    setState("download", matches ? "done" : "error", matches ? "complete, verified" : "digest mismatch");
    setStatus(
      "download",
      matches
        ? `${mib(received)} received; the SHA-256 matches the server's Repr-Digest.`
        : `The SHA-256 does not match the server's Repr-Digest (${digest ?? "none sent"}).`,
    );
    buttons(false, false);
  }

  start.addEventListener("click", () => {
    resumedText.textContent = "no Range request yet";
    shaText.textContent = "not yet";
    void run(0);
  });
  pause.addEventListener("click", () => controller?.abort());
  resume.addEventListener("click", () => void run(received));
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
