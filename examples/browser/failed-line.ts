/**
 * The line /fail ends with where the host cannot cut a failed response off: workerd ends
 * an errored body as if it were complete (cloudflare/workerd#6818), so on a Worker the
 * route sends this last line with `onError`, and the page reads it as the failure.
 * @module
 */

/** The in-band error marker: a line no healthy /fail response carries. */
export const FAILED_LINE = "error: the producer failed; this line stands for the cut-off a Worker cannot make";
