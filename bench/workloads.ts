/**
 * The workloads every benchmark server streams, and the routes they share. Portable:
 * the same producers run on Node, Deno and Bun, so only the way of streaming differs.
 */

/** One SSE token event: `data: {"token":"tok123","i":123}` and a blank line, ~40 bytes. */
export interface TokenEvent {
  data: { token: string; i: number };
}

/**
 * `n` token events from an async generator, as an LLM client would produce them. Every
 * variant streams this same producer; each frames the events its own way.
 */
export async function* tokens(n: number): AsyncGenerator<TokenEvent> {
  for (let i = 0; i < n; i++) yield { data: { token: "tok123", i } };
}

/** `n` chunks of 16 bytes of text. */
export async function* tiny(n: number): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) yield "0123456789abcde\n";
}

const BLOCK = new Uint8Array(64 * 1024).fill(97);

/** `mib` MiB in 64 KiB chunks. */
export async function* bulk(mib: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < mib * 16; i++) yield BLOCK;
}

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();

/** One event every `ms`, `n` times, each stamped with when it was yielded. */
export async function* ticks(n: number, ms: number, signal?: AbortSignal): AsyncGenerator<{ data: { t: number; i: number } }> {
  for (let i = 0; i < n; i++) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (signal?.aborted) return;
    yield { data: { t: now(), i } };
  }
}

/** Counts of the idle streams of the many-streams workload. */
export const idle = { open: 0, finallies: 0 };

/** An SSE producer that yields one event and then waits until the client leaves. */
export async function* idleEvents(signal: AbortSignal): AsyncGenerator<{ data: { i: number } }> {
  idle.open++;
  try {
    yield { data: { i: 0 } };
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  } finally {
    idle.open--;
    idle.finallies++;
  }
}

/** The query of a benchmark request, with defaults. */
export function params(url: URL) {
  const number = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
  return { n: number("n", 300_000), mib: number("mib", 256), ms: number("ms", 100), keepAlive: number("keepAlive", 5_000) };
}

export const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
export const TEXT_HEADERS = { "content-type": "text/plain; charset=utf-8" };
export const BYTES_HEADERS = { "content-type": "application/octet-stream" };

/** The SSE framing of one event, for the variants that frame by hand. */
export const sseLine = (event: { data: unknown }) => `data: ${JSON.stringify(event.data)}\n\n`;
