/**
 * The `Range` header of a request for `fileResponse`.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-14.1.2
 * @module
 */

/** A byte range to send, both ends inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one range of a `Range` header (RFC 9110 §14.1.2) for a representation of `size`
 * bytes: a range, `"unsatisfiable"` (416), or `undefined` to send the whole thing (no
 * header, a malformed one, another unit, or several ranges, which sluice does not split
 * into multipart).
 *
 * Scanned once from left to right, so its time is linear in the header's length whatever
 * the header holds (a regular expression with `\s*` around each part took cubic time).
 */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | undefined {
  if (header === null) return undefined;
  const scan = new Scanner(header);
  scan.spaces();
  if (!scan.word("bytes")) return undefined; // another unit
  scan.spaces();
  if (!scan.char("=")) return undefined;
  scan.spaces();
  const first = scan.digits();
  scan.spaces();
  if (!scan.char("-")) return undefined;
  scan.spaces();
  const last = scan.digits();
  scan.spaces();
  if (!scan.atEnd()) return undefined; // malformed, or a list of ranges
  if (first === "" && last === "") return undefined;
  if (first === "") {
    // A suffix: the last N bytes. Of an empty representation there is nothing to cut:
    // it is sent whole (200), as RFC 9110 §14.1.1 counts a non-zero suffix as satisfiable.
    const length = Number(last);
    if (length === 0) return "unsatisfiable";
    if (size === 0) return undefined;
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? Infinity : Number(last);
  if (end < start) return undefined; // invalid: ignored, as the RFC says
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(end, size - 1) };
}

/** A cursor over a header value; every method advances past what it matched. */
class Scanner {
  #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  /** Skips optional whitespace (SP / HTAB, and the other spaces `String.trim` would drop). */
  spaces(): void {
    while (this.#at < this.#text.length && isSpace(this.#text.charCodeAt(this.#at))) this.#at++;
  }

  /** Matches `word` case-insensitively. */
  word(word: string): boolean {
    if (this.#text.slice(this.#at, this.#at + word.length).toLowerCase() !== word) return false;
    this.#at += word.length;
    return true;
  }

  char(char: string): boolean {
    if (this.#text[this.#at] !== char) return false;
    this.#at++;
    return true;
  }

  /** The run of ASCII digits here, possibly empty. */
  digits(): string {
    const from = this.#at;
    while (this.#at < this.#text.length) {
      const code = this.#text.charCodeAt(this.#at);
      if (code < 48 || code > 57) break;
      this.#at++;
    }
    return this.#text.slice(from, this.#at);
  }

  atEnd(): boolean {
    return this.#at === this.#text.length;
  }
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 11 || code === 12;
}
