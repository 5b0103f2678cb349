/**
 * "Did you mean …?" for names a user typed: a field of a request, a key of a config file.
 * Only near misses are suggested (a couple of edits, or a missing `_id`-style suffix), so a
 * suggestion is a hint rather than a guess.
 *
 * @example
 * closestName('partition', ['partition_id', 'headers', 'key', 'value']); // 'partition_id'
 * closestName('colour', ['key', 'value']); // undefined
 */
export function closestName(typed: string, candidates: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    // `partition` for `partition_id`, `maxBatchingWindow` for `maxBatchingWindowMs`.
    const distance =
      other.startsWith(lower) && lower.length >= 4 ? 1 : editDistance(lower, other, bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(typed.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** ` (did you mean "x"?)` or '' — ready to append to a message. */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const name = closestName(typed, candidates);
  return name === undefined ? '' : ` (did you mean "${name}"?)`;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return previous[b.length];
}
