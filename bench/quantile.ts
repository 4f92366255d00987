/** Quantiles of measured delays, as every latency figure of the bench reads them. */

/** The value at quantile `q` (0.5: the median, 0.99: p99) of `sorted` (ascending); NaN when it is empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
