import { encodeSegment } from '../../shared/codec';
import { decodeSegmentHeader, segmentHeaderSize } from '../../shared/codec/segment';
import { CorruptDataError } from '../../shared/errors';
import { mapLimit } from '../../shared/limit';
import { isExpired, retentionTimestamp } from '../../shared/retention';

describe('retention expiry', () => {
  it("uses the section's max timestamp, like Kafka's segment rule", () => {
    expect(retentionTimestamp({ maxTimestamp: 5_000, appendedAt: 9_000 })).toBe(5_000);
    expect(isExpired({ maxTimestamp: 5_000, appendedAt: 9_000 }, 1_000, 6_001)).toBe(true);
  });

  it('is strict: a record exactly retention.ms old is kept', () => {
    expect(isExpired({ maxTimestamp: 1_000, appendedAt: 1_000 }, 500, 1_500)).toBe(false);
    expect(isExpired({ maxTimestamp: 1_000, appendedAt: 1_000 }, 500, 1_501)).toBe(true);
  });

  it('caps a future client timestamp at the append time, so it cannot pin the log', () => {
    const future = { maxTimestamp: 10 * 365 * 86_400_000, appendedAt: 1_000 };
    expect(retentionTimestamp(future)).toBe(1_000);
    expect(isExpired(future, 500, 1_501)).toBe(true);
  });

  it('never expires anything with retention.ms = -1', () => {
    expect(isExpired({ maxTimestamp: 0, appendedAt: 0 }, -1, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

describe('segment header helper', () => {
  const records = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      key: null,
      value: Buffer.from(`v${i}`),
      headers: [],
      timestamp: 1,
    }));

  it('reads the directory of a multi-partition object from its header bytes alone', () => {
    const { bytes, sections } = encodeSegment([
      { partition: 4, records: records(2) },
      { partition: 1, records: records(1) },
    ]);
    const size = segmentHeaderSize(bytes.subarray(0, 9));
    expect(size).toBe(13 + 12 * 2);
    expect(decodeSegmentHeader(bytes.subarray(0, size))).toEqual(
      sections.map(({ partition, byteStart, byteLength }) => ({ partition, byteStart, byteLength })),
    );
    // Trailing section bytes are ignored.
    expect(decodeSegmentHeader(bytes).map((d) => d.partition)).toEqual([4, 1]);
  });

  it('rejects a cut, corrupt or foreign header with CorruptDataError', () => {
    const { bytes } = encodeSegment([{ partition: 0, records: records(1) }]);
    expect(() => decodeSegmentHeader(bytes.subarray(0, 20))).toThrow(CorruptDataError);
    const flipped = Buffer.from(bytes);
    flipped[10] ^= 1;
    expect(() => decodeSegmentHeader(flipped)).toThrow(CorruptDataError);
    expect(() => segmentHeaderSize(Buffer.alloc(9))).toThrow(CorruptDataError);
    expect(() => segmentHeaderSize(bytes.subarray(0, 5))).toThrow(CorruptDataError);
  });
});

describe('mapLimit', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('handles an empty list', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
