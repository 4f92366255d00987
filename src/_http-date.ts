/**
 * HTTP-date (RFC 9110 §5.6.7): the three formats a recipient must accept, and nothing
 * else. `Date.parse` would take ISO 8601, bare years and much more, so a conditional
 * request with such a date would be compared instead of ignored.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6.7
 * @module
 */

/** Longer than any HTTP-date ("Wednesday, 09-Nov-94 08:49:37 GMT" is 33): never scanned. */
const MAX_LENGTH = 40;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = MONTHS.join("|");
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
/** `Sun, 06 Nov 1994 08:49:37 GMT` (the preferred form) */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` (obsolete) */
const RFC850 = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`,
);
/** `Sun Nov  6 08:49:37 1994` (obsolete, C's asctime()) */
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (${MONTH}) ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * The time of an HTTP-date in ms since the epoch, or `undefined` if `value` is not one
 * (a recipient then ignores the field). Constant time: longer values are refused unread,
 * and the patterns are anchored with fixed-width parts.
 */
export function parseHttpDate(value: string): number | undefined {
  if (value.length > MAX_LENGTH) return undefined;
  let match = IMF_FIXDATE.exec(value);
  if (match) return utc(Number(match[3]), match[2]!, match[1]!, match, 4);
  match = RFC850.exec(value);
  if (match) {
    // A two-digit year more than 50 years ahead is the most recent past year with those digits (§5.6.7).
    const now = new Date().getUTCFullYear();
    let year = Math.floor(now / 100) * 100 + Number(match[3]);
    if (year > now + 50) year -= 100;
    return utc(year, match[2]!, match[1]!, match, 4);
  }
  match = ASCTIME.exec(value);
  if (match) return utc(Number(match[6]), match[1]!, match[2]!.trim(), match, 3);
  return undefined;
}

/** Date.UTC of the parts, or undefined if they do not name a real time (31 Feb, 25:00). */
function utc(year: number, month: string, day: string, match: RegExpExecArray, timeAt: number): number | undefined {
  const monthIndex = MONTHS.indexOf(month);
  const [hours, minutes, seconds] = [Number(match[timeAt]), Number(match[timeAt + 1]), Number(match[timeAt + 2])];
  if (hours > 23 || minutes > 59 || seconds > 60) return undefined; // 60: a leap second
  const midnight = Date.UTC(year, monthIndex, Number(day));
  if (new Date(midnight).getUTCDate() !== Number(day)) return undefined; // the day rolled into the next month
  return midnight + ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/** An IMF-fixdate for `time` (ms since the epoch), as `Last-Modified` is sent. */
export function formatHttpDate(time: number): string {
  return new Date(time).toUTCString();
}
