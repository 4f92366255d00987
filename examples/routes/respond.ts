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

/** A JSON response (`Response.json`, with the charset spelled out for curl users). */
export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** A 404 whose text says why the thing asked for is not here. */
export function notFound(message: string): Response {
  return new Response(`Not found: ${message}\n`, { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * The request's body as UTF-8 text, or why it cannot be had. At most `maxBytes` are
 * read: a longer body is refused as soon as it passes the limit (or at once, by its
 * `Content-Length`), so a client cannot make the server buffer more than that.
 */
export async function readText(request: Request, maxBytes: number): Promise<{ text: string } | { problem: string }> {
  const tooLong = { problem: `the body must be at most ${maxBytes} bytes.` };
  if (Number(request.headers.get("content-length")) > maxBytes) return tooLong;
  if (request.body === null) return { text: "" };
  const reader = request.body.getReader();
  const bytes = new Uint8Array(maxBytes);
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      await reader.cancel();
      return tooLong;
    }
    bytes.set(value, size);
    size += value.byteLength;
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, size)) };
  } catch {
    return { problem: "the body is not UTF-8 text." };
  }
}
