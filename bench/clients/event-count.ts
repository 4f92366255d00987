/**
 * Counts the events of an SSE response read from a raw socket: the HTTP/1.1 head, the
 * chunked framing, then SSE blocks. Written as byte loops rather than with `node:http`,
 * whose client emits one `data` event per HTTP chunk: a server that writes each event as
 * its own chunk (better-sse, a `res.write` loop) would cost this client a stream event
 * per event and make it, not the server, the bottleneck. Here every variant costs the
 * client the same per byte.
 */

const HEAD = 0;
const SIZE = 1;
const DATA = 2;
const CRLF = 3;
const RAW = 4;
const DONE = 5;

/** "data:" */
const FIELD = [100, 97, 116, 97, 58];
const LF = 10;
const DOT = 46;

/**
 * One SSE response. `events` counts what an `EventSource` dispatches: blocks ended by a
 * blank line that hold a `data` field; comments, keep-alives and `retry:`-only blocks are
 * not events. Lines end with LF, as every server of the bench writes them.
 */
export class EventCount {
  events = 0;
  /** The status, once the head has arrived. */
  status = 0;
  #state = HEAD;
  #head = "";
  /** The chunk size being read (SIZE), or the bytes of the chunk still to come (DATA). */
  #size = 0;
  /** In a chunk extension (after ";"), which is skipped. */
  #extension = false;
  #crlf = 0;
  /** Bytes of the current SSE line so far. */
  #line = 0;
  /** How much of "data:" the current line starts with; -1: it is another field. */
  #match = 0;
  #hasData = false;
  /**
   * Called with each event's stamp: the first number of its first `data` line (digits, an
   * optional fraction), e.g. `t` of `{"t":1764000000000.123,"i":7}`; NaN if it has none.
   * Unset (the fan-out client), no number is read.
   */
  onEvent: ((stamp: number) => void) | undefined;
  /** The stamp being read: its value so far, the place of its next fraction digit (0: integer part), and whether it ended. */
  #stamp = NaN;
  #place = 0;
  #stampDone = false;

  /** Feeds bytes read from the socket. */
  feed(bytes: Uint8Array): void {
    const length = bytes.length;
    let i = 0;
    while (i < length) {
      switch (this.#state) {
        case HEAD:
          i = this.#readHead(bytes, i);
          break;
        case SIZE:
          for (; i < length && this.#state === SIZE; i++) this.#sizeByte(bytes[i]!);
          break;
        case DATA: {
          const end = Math.min(length, i + this.#size);
          this.#count(bytes, i, end);
          this.#size -= end - i;
          i = end;
          if (this.#size === 0) {
            this.#state = CRLF;
            this.#crlf = 2;
          }
          break;
        }
        case CRLF:
          for (; i < length && this.#crlf > 0; i++) this.#crlf--;
          if (this.#crlf === 0) {
            this.#state = SIZE;
            this.#size = 0;
            this.#extension = false;
          }
          break;
        case RAW:
          this.#count(bytes, i, length);
          i = length;
          break;
        default:
          return;
      }
    }
  }

  #readHead(bytes: Uint8Array, from: number): number {
    const before = this.#head.length;
    this.#head += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1", from);
    const end = this.#head.indexOf("\r\n\r\n");
    if (end === -1) return bytes.length;
    const head = this.#head.slice(0, end).toLowerCase();
    this.#head = "";
    this.status = Number(head.slice(9, 12));
    this.#state = /\r\ntransfer-encoding:[^\r]*chunked/.test(head) ? SIZE : RAW;
    return from + end + 4 - before;
  }

  /** One byte of a chunk-size line: hex digits, then extensions (ignored), CR, LF. */
  #sizeByte(byte: number): void {
    if (byte === LF) {
      this.#state = this.#size === 0 ? DONE : DATA;
      return;
    }
    if (this.#extension) return;
    const digit =
      byte >= 48 && byte <= 57 ? byte - 48 : byte >= 97 && byte <= 102 ? byte - 87 : byte >= 65 && byte <= 70 ? byte - 55 : -1;
    if (digit >= 0) this.#size = this.#size * 16 + digit;
    else if (byte === 59) this.#extension = true; // ";"
  }

  /** Counts the SSE events in `bytes[from, to)`. */
  #count(bytes: Uint8Array, from: number, to: number): void {
    let line = this.#line;
    let match = this.#match;
    for (let i = from; i < to; i++) {
      const byte = bytes[i]!;
      if (byte === LF) {
        if (line === 0) {
          if (this.#hasData) {
            this.events++;
            this.#hasData = false;
            if (this.onEvent) {
              this.onEvent(this.#stamp);
              this.#stamp = NaN;
              this.#place = 0;
              this.#stampDone = false;
            }
          }
        } else if (match >= 4) {
          this.#hasData = true; // "data:…", or "data" alone (empty data)
          if (!Number.isNaN(this.#stamp)) this.#stampDone = true; // only the first data line's number
        }
        line = 0;
        match = 0;
      } else {
        if (match >= 0 && match < 5) match = byte === FIELD[match] ? match + 1 : -1;
        else if (match === 5 && this.onEvent && !this.#stampDone) this.#stampByte(byte);
        line++;
      }
    }
    this.#line = line;
    this.#match = match;
  }

  /** One byte of a data line, for the stamp: digits and one dot make the number; the first other byte after it ends it. */
  #stampByte(byte: number): void {
    const digit = byte - 48;
    if (digit >= 0 && digit <= 9) {
      if (Number.isNaN(this.#stamp)) this.#stamp = 0;
      if (this.#place === 0) this.#stamp = this.#stamp * 10 + digit;
      else {
        this.#stamp += digit / this.#place;
        this.#place *= 10;
      }
    } else if (byte === DOT && !Number.isNaN(this.#stamp) && this.#place === 0) this.#place = 10;
    else if (!Number.isNaN(this.#stamp)) this.#stampDone = true;
  }
}
