import { encodeSegment } from '../../shared/codec';
import { decodeSegmentHeader, segmentHeaderSize } from '../../shared/codec/segment';
import { CorruptDataError } from '../../shared/errors';
import { mapLimit } from '../../shared/limit';
import { touchedPartitions } from '../../shared/poller/stream-trigger';
import {
  isExpired,
  RETENTION_TTL_MARGIN_MS,
  retentionTimestamp,
  slotExpiry,
  voidAgedFrom,
} from '../../shared/retention';
import { nextExpiryFloor } from '../../shared/topics/registry';

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

describe('expiry by TTL', () => {
  const HOUR = 3_600_000;

  it('puts the TTL the margin after retention may remove the slot, rounded up to whole seconds', () => {
    expect(slotExpiry(1_700_000_000_000, 86_400_000)).toBe(1_700_090_000);
    expect(slotExpiry(1_700_000_000_001, 0)).toBe(1_700_003_601);
    expect(slotExpiry(1_700_000_000_000, -1)).toBeUndefined();
  });

  it('ages a void from its reservation bound, never from later than it was written', () => {
    expect(voidAgedFrom({ reservedAt: 1_000, voidedAt: 40_000 })).toBe(1_000);
    expect(voidAgedFrom({ voidedAt: 40_000 })).toBe(40_000);
    expect(voidAgedFrom({ reservedAt: 50_000, voidedAt: 40_000 })).toBe(40_000);
  });

  // The invariant DynamoDB's TTL must keep: once a slot's TTL passes, the slot and every slot
  // before it are expired, so the sweeper has moved (or would move) the log start past it.
  // Writers' clocks differ and commits trail reservations, so append times grow with the
  // offset only up to `jitterMs`; clients stamp records anywhere in time.
  it('never lets a TTL pass while a slot at or before it is unexpired (random logs, clock injected)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const jitterMs = 60_000;
    const failures: { run: number; slot: number; keptBefore: number }[] = [];
    for (let run = 0; run < 200; run++) {
      const retentionMs = Math.floor(random() * 3 * HOUR);
      let clock = 1_700_000_000_000;
      const slots: { agedFrom: number; writtenAt: number }[] = [];
      for (let i = 0; i < 30; i++) {
        clock += Math.floor(random() * 120_000);
        const writtenAt = clock - Math.floor(random() * jitterMs);
        if (random() < 0.2) {
          // A void, found by a reader long after its range was reserved.
          slots.push({
            agedFrom: voidAgedFrom({ reservedAt: writtenAt, voidedAt: clock + 10 * HOUR }),
            writtenAt,
          });
        } else {
          const stamp = writtenAt + Math.floor((random() - 0.5) * 20 * HOUR);
          slots.push({
            agedFrom: retentionTimestamp({ maxTimestamp: stamp, appendedAt: writtenAt }),
            writtenAt,
          });
        }
      }
      slots.forEach((slot, s) => {
        const ttlMs = (slotExpiry(slot.writtenAt, retentionMs) as number) * 1000;
        const kept = slots
          .slice(0, s + 1)
          .findIndex(
            (k) => !isExpired({ maxTimestamp: k.agedFrom, appendedAt: k.agedFrom }, retentionMs, ttlMs),
          );
        if (kept >= 0) failures.push({ run, slot: s, keptBefore: kept });
      });
    }
    expect(failures).toEqual([]);
    expect(RETENTION_TTL_MARGIN_MS).toBeGreaterThan(jitterMs);
  });

  it("wakes no stream-triggered consumer for TTL's removals or the sweeper's TTL changes", () => {
    const keys = { pk: { S: 'topic-id#3' }, sk: { N: '42' } };
    // DynamoDB's TTL deletes appear in the stream as REMOVE by the service principal.
    const ttlRemoval = {
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: { Keys: keys },
    };
    const extension = { eventName: 'MODIFY', dynamodb: { Keys: keys } };
    expect(touchedPartitions([ttlRemoval, extension])).toEqual([]);
    expect(touchedPartitions([{ eventName: 'INSERT', dynamodb: { Keys: keys } }])).toEqual([
      { topicId: 'topic-id', partition: 3 },
    ]);
  });

  it('marks a topic for TTL checks only when retention.ms rose above what TTLs were written with', () => {
    const now = 5_000;
    expect(nextExpiryFloor(undefined, HOUR, 10 * HOUR, now)).toEqual({ retentionMs: HOUR, since: now });
    expect(nextExpiryFloor(undefined, 10 * HOUR, HOUR, now)).toBeUndefined();
    expect(nextExpiryFloor(undefined, HOUR, -1, now)).toEqual({ retentionMs: HOUR, since: now });
    expect(nextExpiryFloor(undefined, -1, HOUR, now)).toBeUndefined();
    // Lowered and raised again before the sweeper settled it: the lowest value stays.
    const pending = { retentionMs: HOUR, since: 1_000 };
    expect(nextExpiryFloor(pending, 10 * HOUR, 2 * HOUR, now)).toEqual({ retentionMs: HOUR, since: now });
    expect(nextExpiryFloor(pending, 10 * HOUR, HOUR, now)).toBeUndefined();
    // Another config changed: the pending floor and its time stay as they are.
    expect(nextExpiryFloor(pending, 10 * HOUR, 10 * HOUR, now)).toBe(pending);
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
