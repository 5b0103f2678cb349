/**
 * The next free offset per partition, as last seen by this warm process. It may lag the
 * truth (another writer appended) but never leads it, because it only learns offsets from
 * entries that exist; a lagging value costs one lost race, never a gap.
 */
export interface HeadCache {
  get(partitionKey: string): number | undefined;
  /** Moves the cached head forward; never backwards. */
  advance(partitionKey: string, nextOffset: number): void;
}

/** @example const heads = createHeadCache(); heads.advance('t#0', 5); heads.get('t#0'); // 5 */
export function createHeadCache(): HeadCache {
  const heads = new Map<string, number>();
  return {
    get: (key) => heads.get(key),
    advance(key, nextOffset) {
      if ((heads.get(key) ?? -1) < nextOffset) heads.set(key, nextOffset);
    },
  };
}
