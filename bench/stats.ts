/**
 * Small statistics helpers for the benchmark: percentiles, rates and a geometric mean.
 * Pure functions, no timing of their own.
 */

/**
 * The p-th percentile (0–100) of `values` by nearest rank; `NaN` for no values.
 *
 * @example
 * percentile([5, 1, 3], 50); // 3
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50 and p99 of a latency sample, in the sample's unit. */
export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
}

/**
 * Summarises latencies as p50 and p99.
 *
 * @example
 * summarize([1, 2, 3]); // { p50: 2, p99: 3, samples: 3 }
 */
export function summarize(values: readonly number[]): LatencySummary {
  return { p50: percentile(values, 50), p99: percentile(values, 99), samples: values.length };
}

/**
 * Events per second, 0 when no time passed.
 *
 * @example
 * perSecond(500, 250); // 2000
 */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

/**
 * Geometric mean of positive numbers; `NaN` if any is not positive.
 *
 * @example
 * geometricMean([2, 8]); // 4
 */
export function geometricMean(values: readonly number[]): number {
  if (values.length === 0 || values.some((v) => !(v > 0))) return Number.NaN;
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

/**
 * Rounds to `digits` significant digits for reporting (JSON and tables), keeping 0 and
 * non-finite values as they are.
 *
 * @example
 * round(1234.5678); // 1235
 * round(0.012345); // 0.01235
 */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function nowMs(): number {
  return performance.now();
}
