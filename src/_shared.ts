/**
 * Bytes sluice makes once and hands to many readers (a topic's events, and the runs of
 * them it joins), never written to again. An adapter may keep what it derives from such
 * bytes by their identity: the Node adapter frames one as an HTTP/1.1 chunk once for
 * every reader it goes to. Bytes not marked may be the producer's, which it could change.
 * @module
 */

const shared = new WeakSet<Uint8Array>();

/** Marks `bytes` as shared and never written to again; returns them. */
export function share(bytes: Uint8Array): Uint8Array {
  shared.add(bytes);
  return bytes;
}

/** Whether `bytes` were marked by {@link share}. */
export function isShared(bytes: Uint8Array): boolean {
  return shared.has(bytes);
}
