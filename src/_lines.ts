/**
 * Splitting text that arrives in pieces into lines, in linear time: each piece is searched
 * once, and a line that spans many pieces is joined once, when it ends.
 * @module
 */

/** The default bound of one line (and of one SSE event) a client reader holds: 8 MiB of text. */
export const DEFAULT_MAX_LINE = 8 * 1024 * 1024;

/** The error a reader throws when the server sends more than its bound in one line or event. */
export function tooLong(what: string, option: string, max: number): RangeError {
  return new RangeError(
    `sluice: ${what} is longer than ${option} (${max} characters), so it was not read. ` +
      `Raise ${option} if the server's ${what.replace(/^an? /, "")}s are that long.`,
  );
}

/** Lines split on LF or CRLF, of at most `max` characters each. */
export class LineSplitter {
  readonly #max: number;
  readonly #option: string;
  /** The pieces of the line not yet ended. */
  #parts: string[] = [];
  #length = 0;

  constructor(max: number, option: string) {
    this.#max = max;
    this.#option = option;
  }

  /** The lines `text` completes (without their line breaks). Throws past the bound. */
  push(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      let line = text.slice(start, newline);
      if (this.#parts.length > 0) {
        this.#check(this.#length + line.length);
        this.#parts.push(line);
        line = this.#parts.join("");
        this.#parts = [];
        this.#length = 0;
      } else this.#check(line.length);
      lines.push(line.endsWith("\r") ? line.slice(0, -1) : line);
      start = newline + 1;
    }
    if (start < text.length) {
      this.#check(this.#length + text.length - start);
      this.#parts.push(start === 0 ? text : text.slice(start));
      this.#length += text.length - start;
    }
    return lines;
  }

  /** The last line, if the text did not end with a line break. */
  end(): string | undefined {
    if (this.#parts.length === 0) return undefined;
    const line = this.#parts.join("");
    this.#parts = [];
    this.#length = 0;
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  }

  #check(length: number): void {
    if (length > this.#max) throw tooLong("a line", this.#option, this.#max);
  }
}
