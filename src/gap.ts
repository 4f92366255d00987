/**
 * The gap event of Topics: what a reader is sent when events it should have had are gone.
 * Its own module, so a browser page (through `sluice/client`) gets it without the server side.
 * @module
 */

/** The `event` type of the gap event a reader gets when events it should have had are gone. */
export const GAP_EVENT = "sluice-gap";

/** The JSON data of a gap event. */
export interface Gap {
  /** The last id the reader had seen (as it sent it, if at most 256 characters), or null. */
  lastEventId: string | null;
  /** How many events it missed, when the store can tell; else null. */
  missed: number | null;
  /** `"evicted"`: its last id is no longer retained; `"unknown"`: not an id of this log (another epoch, or not an id at all); `"slow"`: it fell behind retention while reading. */
  reason: "evicted" | "unknown" | "slow";
}
