import { mergeByTimestamp, needsRead, type PartitionCursor, type Timed } from '../../console/app/merge';

const at = (partition: number, offset: number, second: number): Timed => ({
  partition_id: partition,
  offset,
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
});
const cursor = (partition: number, buffer: Timed[], next: number, end: number): PartitionCursor<Timed> => ({
  partition,
  buffer,
  next,
  end,
});
const ids = (records: Timed[]) => records.map((r) => `${r.partition_id}@${r.offset}`);

describe('merging partitions by timestamp', () => {
  it('interleaves partitions read to their end by timestamp, ties by partition then offset', () => {
    const { records, cursors } = mergeByTimestamp(
      [cursor(0, [at(0, 0, 1), at(0, 1, 5)], 2, 2), cursor(1, [at(1, 0, 1), at(1, 1, 3)], 2, 2)],
      10,
    );
    expect(ids(records)).toEqual(['0@0', '1@0', '1@1', '0@1']);
    expect(cursors.every((c) => c.buffer.length === 0)).toBe(true);
  });

  it('stops at the limit and keeps what was not shown for the next page', () => {
    const { records, cursors } = mergeByTimestamp(
      [cursor(0, [at(0, 0, 1), at(0, 1, 5)], 2, 2), cursor(1, [at(1, 0, 2)], 1, 1)],
      2,
    );
    expect(ids(records)).toEqual(['0@0', '1@0']);
    expect(ids([...cursors[0].buffer])).toEqual(['0@1']);
  });

  it('waits for a partition whose buffer ran dry before its end: it may hold an earlier record', () => {
    const start = [cursor(0, [at(0, 0, 1), at(0, 1, 9)], 2, 2), cursor(1, [at(1, 0, 2)], 1, 5)];
    const { records, cursors } = mergeByTimestamp(start, 10);
    // Partition 1 offset 1 (not read yet) could be earlier than 0@1.
    expect(ids(records)).toEqual(['0@0', '1@0']);
    expect(needsRead(cursors[1])).toBe(true);
    expect(needsRead(cursors[0])).toBe(false);
    expect(
      ids(mergeByTimestamp([cursors[0], { ...cursors[1], buffer: [at(1, 1, 4)], next: 5 }], 10).records),
    ).toEqual(['1@1', '0@1']);
  });

  it('reads nothing from a partition that was never read yet', () => {
    expect(mergeByTimestamp([cursor(0, [at(0, 0, 1)], 1, 1), cursor(1, [], 0, 3)], 10).records).toEqual([]);
  });
});
