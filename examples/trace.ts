/**
 * What the demo server reports about itself, so tests can see the server's side of a
 * behaviour (the header a reconnect carried, how far a report had got).
 * @module
 */

/** One observation of the demo server. */
export type Trace =
  /** An SSE connection opened; `lastEventIdHeader` is the raw `Last-Event-ID` it carried. */
  | { route: "sse"; lastEventIdHeader: string | null }
  /** The report's producer yielded section `section` of `of`. */
  | { route: "report"; section: number; of: number }
  /**
   * An answer's stream opened: by the POST that starts it, or by a GET. `lastEventIdHeader`
   * is the raw `Last-Event-ID` it carried (`null`: none; a `?lastEventId=` is not one).
   */
  | { route: "answer"; method: string; lastEventIdHeader: string | null };

/** Receives every {@link Trace}; the demo's default ignores them. */
export type Tracer = (trace: Trace) => void;
