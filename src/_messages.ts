/**
 * How sluice words its error messages: the value's type named, the bad value quoted
 * short, the option's limits and special values said. Misuse messages say what to do.
 * @module
 */

/**
 * Names a value's type for an error message: `"a string"`, `"null"`, `"an object (Map)"`.
 */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  if (type === "object" || type === "function") {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
    const article = type === "object" ? "an object" : "a function";
    return typeof ctor === "string" && ctor !== "Object" && ctor !== "Function" && ctor !== "" ? `${article} (${ctor})` : article;
  }
  return `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
}

/**
 * Checks a numeric option: a finite, non-negative number of milliseconds or bytes.
 * `hint` ends the message with what the option's special values mean.
 */
export function checkNonNegative(
  name: string,
  value: unknown,
  unit: string,
  hint = unit === "ms" ? "Leave it out (or use 0) for no limit." : "Leave it out for the default.",
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !(value >= 0) || value === Infinity) {
    throw new RangeError(`sluice: \`${name}\` must be a finite number of ${unit} >= 0, got ${quote(value)}. ${hint}`);
  }
  return value;
}

/** Quotes a value for a message, short. */
export function quote(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  return describe(value);
}
