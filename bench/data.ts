/** Test data for the benchmark. */

/**
 * Deterministic, poorly compressible bytes (a xorshift stream), so payloads are neither
 * all zeros nor identical across records.
 *
 * @example
 * payload(1024, 7).length; // 1024
 */
export function payload(bytes: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
