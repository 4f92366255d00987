/**
 * Chunks to bytes, and the batch that joins the items of one pull into one chunk.
 * @module
 */
import { describe } from "./_messages.ts";

/** An encoded item: text still to be UTF-8 encoded (so joined text is encoded once), or bytes. */
export type Encoded = string | Uint8Array;

/** Turns the item at `index` into text or bytes; throws a `TypeError` for what it cannot send. */
export type Encoder<T> = (item: T, index: number) => Encoded;

const utf8Encoder = new TextEncoder();

/** UTF-8 bytes of a string. @internal */
export function encodeText(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/**
 * The {@link Encoder} of plain streams: strings as text, bytes as they are (a view over
 * the same memory, never a copy), numbers, bigints and booleans as `String(x)`.
 */
export function encodeChunk(chunk: unknown, index: number): Encoded {
  switch (typeof chunk) {
    case "string":
      return chunk;
    case "number":
    case "bigint":
    case "boolean":
      return String(chunk);
    case "object": {
      const bytes = asBytes(chunk);
      if (bytes) return bytes;
    }
  }
  throw new TypeError(
    `sluice: chunk #${index} is ${describe(chunk)}, which cannot be sent as bytes. Yield ` +
      `strings, Uint8Arrays or numbers; for objects use ndjsonResponse() or JSON.stringify() them.`,
  );
}

/** Bytes of an `ArrayBufferView` or `ArrayBuffer` without copying, else `undefined`. @internal */
export function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (Object.prototype.toString.call(value) === "[object SharedArrayBuffer]") {
    return new Uint8Array(value as ArrayBufferLike);
  }
  return undefined;
}

/**
 * Joins the items of one pull into one chunk. Text is concatenated and encoded once
 * (about 3x cheaper than one `TextEncoder.encode` per item); a lone byte item passes
 * through uncopied.
 *
 * A byte item is the producer's own memory, which it may fill again once it runs on (a
 * file read into one reused buffer): {@link Batch.secure} copies it out before the engine
 * asks the producer for the next item, so a joined chunk never holds a view of it.
 */
export class Batch {
  /** Roughly the bytes held: UTF-16 units for text, exact for bytes. */
  size = 0;
  count = 0;
  /** Text not yet encoded; never beside `#loose` (each flushes the other). */
  #text = "";
  /** The last byte item, still the producer's memory. */
  #loose: Uint8Array | undefined;
  /** What is already joined, owned by the batch; `#length` bytes of it are used. */
  #buffer: Uint8Array | undefined;
  #length = 0;
  /**
   * Byte items of a source that never fills them again (a topic's shared event bytes), kept
   * as they are and joined once, at the size they add up to, by {@link Batch.take}.
   */
  #parts: Uint8Array[] | undefined;

  /** `owned`: the source never fills again what it yields, so its bytes need no copy until joined. */
  constructor(owned = false) {
    if (owned) this.#parts = [];
  }

  add(item: Encoded): void {
    this.count++;
    if (this.#parts !== undefined) {
      if (typeof item !== "string") {
        if (item.byteLength > 0) this.#parts.push(item);
        this.size += item.byteLength;
        return;
      }
      this.#joinParts(); // text after shared bytes: join them, then go on the usual way
    }
    if (typeof item === "string") {
      if (item === "") return;
      this.secure();
      this.#text += item;
      this.size += item.length;
    } else if (item.byteLength > 0) {
      this.#flushText();
      this.secure();
      this.#loose = item;
      this.size += item.byteLength;
    }
  }

  /** Copies out the producer's memory; call it before the producer runs again. */
  secure(): void {
    if (this.#loose === undefined) return;
    this.#reserve(this.#loose.byteLength);
    this.#buffer!.set(this.#loose, this.#length);
    this.#length += this.#loose.byteLength;
    this.#loose = undefined;
  }

  /** Whether {@link Batch.take} handed out the producer's own memory (one byte item, uncopied). */
  get borrowed(): boolean {
    return this.#buffer === undefined && (this.#loose !== undefined || this.#parts?.length === 1);
  }

  /** The joined chunk, or `undefined` when every item was empty. */
  take(): Uint8Array | undefined {
    if (this.#parts !== undefined) {
      if (this.#parts.length === 1) return this.#parts[0]; // one item: no copy
      this.#joinParts();
    }
    if (this.#buffer === undefined) {
      if (this.#loose !== undefined) return this.#loose; // one byte item: no copy
      return this.#text === "" ? undefined : utf8Encoder.encode(this.#text);
    }
    this.#flushText();
    this.secure();
    return this.#buffer.subarray(0, this.#length);
  }

  /** Copies the kept parts into the buffer, sized once for all of them; later items join the usual way. */
  #joinParts(): void {
    const parts = this.#parts!;
    this.#parts = undefined;
    if (parts.length === 0) return;
    let total = 0;
    for (const part of parts) total += part.byteLength;
    this.#buffer = new Uint8Array(total);
    for (const part of parts) {
      this.#buffer.set(part, this.#length);
      this.#length += part.byteLength;
    }
  }

  #flushText(): void {
    if (this.#text === "") return;
    this.#reserve(this.#text.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.#length += utf8Encoder.encodeInto(this.#text, this.#buffer!.subarray(this.#length)).written;
    this.#text = "";
  }

  #reserve(bytes: number): void {
    const needed = this.#length + bytes;
    const buffer = this.#buffer;
    if (buffer !== undefined && buffer.byteLength >= needed) return;
    const grown = new Uint8Array(Math.max(needed, (buffer?.byteLength ?? 0) * 2, 1024));
    if (buffer !== undefined) grown.set(buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}
