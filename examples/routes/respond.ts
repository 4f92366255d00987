/**
 * Small helpers the demo's routes share.
 * @module
 */

/** A 400 whose text says what to send instead. */
export function badRequest(message: string): Response {
  return new Response(`Bad Request: ${message}\n`, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * The whole number in query parameter `name`, `fallback` when it is absent, or
 * `undefined` when it is not an integer from 0 to `max`.
 */
export function countParam(url: URL, name: string, fallback: number, max: number): number | undefined {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return fallback;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}
