/**
 * Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`), bit for bit. Keyed records
 * must land where a Java producer would put them, so clients can mix Sluice and Kafka
 * tooling and keep per-key ordering; any deviation here silently reshuffles keys.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * Kafka's murmur2 hash of `data`, as the signed 32-bit `int` Java returns.
 *
 * @example
 * ```ts
 * murmur2(Buffer.from('foobar')); // -790332482
 * ```
 */
export function murmur2(data: Buffer): number {
  const length = data.length;
  // Math.imul and `| 0` reproduce Java's wrapping int multiply; plain `*` would lose bits.
  let h = SEED ^ length;
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Java's switch falls through from case 3 to case 1; the ifs below replay that order.
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[tail], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit. Not `Math.abs`, which differs for
 * negatives and overflows on -2^31; the placement must match Java's exactly.
 *
 * @example
 * ```ts
 * toPositive(-790332482); // 1357151166
 * ```
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}
