/**
 * Zigzag varints as Kafka's record format uses them (protobuf's `sint64` encoding): small
 * magnitudes of either sign take one byte. Values are JavaScript numbers, so the range is
 * limited to what a zigzagged number can hold exactly: |value| ≤ 2^52 - 1, which needs at
 * most 8 bytes. Lengths, deltas and counts in a segment all fit comfortably.
 */
import { CorruptDataError } from '../errors';

/** Largest |value| whose zigzag form (2·|value|) is still a safe integer. */
export const MAX_ZIGZAG_MAGNITUDE = 2 ** 52 - 1;

/** 8 bytes × 7 bits = 56 bits cover every zigzag value up to 2^53; a 9th byte is corruption. */
const MAX_VARINT_BYTES = 8;

function zigzagWide(value: number): number {
  if (!Number.isSafeInteger(value) || Math.abs(value) > MAX_ZIGZAG_MAGNITUDE) {
    throw new RangeError(`Cannot zigzag-encode ${value}: needs an integer with |value| ≤ 2^52 - 1`);
  }
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/**
 * Number of bytes {@link writeZigzag} needs for `value`, so a caller can size one buffer
 * up front instead of growing it.
 *
 * @example
 * ```ts
 * zigzagSize(-1); // 1
 * zigzagSize(64); // 2 (zigzag 128)
 * ```
 */
export function zigzagSize(value: number): number {
  if ((value | 0) === value) {
    // Bit operations are exact inside int32, which covers almost every call.
    const z = ((value << 1) ^ (value >> 31)) >>> 0;
    if (z < 0x80) return 1;
    if (z < 0x4000) return 2;
    if (z < 0x200000) return 3;
    if (z < 0x10000000) return 4;
    return 5;
  }
  let z = zigzagWide(value);
  let size = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    size++;
  }
  return size;
}

/**
 * Writes `value` as a zigzag varint at `offset` and returns the offset just past it. The
 * caller guarantees room (see {@link zigzagSize}); no bounds are checked on this hot path.
 *
 * @example
 * ```ts
 * const buf = Buffer.alloc(2);
 * writeZigzag(buf, 0, 64); // 2; buf = <80 01>
 * ```
 */
export function writeZigzag(buf: Buffer, offset: number, value: number): number {
  let pos = offset;
  if ((value | 0) === value) {
    let z = ((value << 1) ^ (value >> 31)) >>> 0;
    while (z >= 0x80) {
      buf[pos++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    buf[pos++] = z;
    return pos;
  }
  // Beyond int32 the shifts would truncate, so fall back to exact float arithmetic.
  let z = zigzagWide(value);
  while (z >= 0x80) {
    buf[pos++] = (z % 0x80) | 0x80;
    z = Math.floor(z / 0x80);
  }
  buf[pos++] = z;
  return pos;
}

/**
 * A cursor over `buf[pos, end)` that decodes zigzag varints and refuses to read past `end`.
 * `pos` and `end` are public so a decoder can narrow the window to one record and skip raw
 * bytes without another allocation.
 *
 * @example
 * ```ts
 * const reader = new VarintReader(Buffer.from([0x80, 0x01, 0x01]), 0, 3);
 * reader.readZigzag(); // 64
 * reader.readZigzag(); // -1
 * ```
 */
export class VarintReader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  /**
   * Decodes the next varint; throws {@link CorruptDataError} if it runs past `end` or is
   * longer than any value this codec writes.
   *
   * @example
   * ```ts
   * new VarintReader(Buffer.from([0x03]), 0, 1).readZigzag(); // -2
   * ```
   */
  readZigzag(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) throw new CorruptDataError('Varint runs past the end of its record');
    let b = buf[pos++];
    if (b < 0x80) {
      this.pos = pos;
      return (b >>> 1) ^ -(b & 1);
    }
    // Multiplication, not shifts: continuation bytes may carry bits beyond 2^31.
    let z = b & 0x7f;
    let scale = 0x80;
    for (let i = 1; ; i++) {
      if (i === MAX_VARINT_BYTES) throw new CorruptDataError('Varint is longer than 8 bytes');
      if (pos >= end) throw new CorruptDataError('Varint runs past the end of its record');
      b = buf[pos++];
      z += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    if (z > Number.MAX_SAFE_INTEGER) throw new CorruptDataError('Varint is too large');
    this.pos = pos;
    if (z <= 0xffffffff) return (z >>> 1) ^ -(z & 1);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}
