import fc from 'fast-check';
import type { AppendRecord } from '../../shared/log';
import { DEFAULT_INLINE_SECTION_MAX_BYTES } from '../../shared/log';
import { toKafkaEvent } from '../../shared/poller/event';
import { newCluster, newS3Cluster, newTopic, readAll } from './support/core';

const THRESHOLD = DEFAULT_INLINE_SECTION_MAX_BYTES;

/** Records of one request, sized so that a partition's section lands just below or above the threshold. */
const requestAround = fc.record({
  partitions: fc.array(
    fc.record({
      big: fc.integer({ min: THRESHOLD - 400, max: THRESHOLD + 200 }),
      smalls: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
      keyed: fc.boolean(),
      header: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  seed: fc.integer({ min: 0, max: 255 }),
});

type Request = typeof requestAround extends fc.Arbitrary<infer T> ? T : never;

function recordsOf(request: Request): AppendRecord[] {
  const records: AppendRecord[] = [];
  request.partitions.forEach((part, partition) => {
    for (const size of [part.big, ...part.smalls]) {
      records.push({
        partition,
        key: part.keyed ? Buffer.from(`k${size}`) : null,
        value: Buffer.alloc(size, (request.seed + size) % 256),
        headers: part.header === undefined ? [] : [{ key: 'h', value: Buffer.from(part.header) }],
        timestamp: 1_700_000_000_000 + size,
      });
    }
  });
  return records;
}

describe('inline slots and S3 segments read back alike', () => {
  it('returns the same records and the same consumer events for batches around the threshold', async () => {
    const inlineCluster = newCluster();
    const s3Cluster = newS3Cluster();
    const inlineTopic = await newTopic(inlineCluster, 2, 'inline');
    const s3Topic = await newTopic(s3Cluster, 2, 's3');
    const kinds = { inline: 0, segment: 0 };

    await fc.assert(
      fc.asyncProperty(requestAround, async (request) => {
        const records = recordsOf(request);
        const a = await inlineCluster.log.append(inlineTopic, records);
        const b = await s3Cluster.log.append(s3Topic, records);
        expect(a.every((r) => r.ok)).toBe(true);
        expect(b.map((r) => r.ok && [r.partition, r.offset])).toEqual(
          a.map((r) => r.ok && [r.partition, r.offset]),
        );
        for (const partition of request.partitions.keys()) {
          const base = (a.find((r) => r.partition === partition) as { offset: number }).offset;
          const [slot] = (await inlineCluster.index.slotsAfter(inlineTopic.id, partition, base, 1)).slots;
          if (slot.kind === 'data' && slot.inline !== undefined) kinds.inline++;
          else kinds.segment++;
        }
      }),
      { numRuns: 40, seed: 11 },
    );

    for (const partition of [0, 1]) {
      const fromInline = await readAll(inlineCluster, inlineTopic, partition);
      const fromS3 = await readAll(s3Cluster, s3Topic, partition);
      expect(fromInline).toEqual(fromS3);
      // What a consumer's handler receives is built from these records, byte for byte alike.
      expect(toKafkaEvent([{ topic: 't', records: fromInline }], 'sluice')).toEqual(
        toKafkaEvent([{ topic: 't', records: fromS3 }], 'sluice'),
      );
    }
    // Both kinds of slot were written, so the comparison covered each.
    expect(kinds.inline).toBeGreaterThan(0);
    expect(kinds.segment).toBeGreaterThan(0);
  });
});
