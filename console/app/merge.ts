/**
 * Reading several partitions as one stream ordered by record timestamp, the way the messages
 * page shows "all partitions". Pure, so unit-tested in Node.
 *
 * Each partition is read on its own, in offset order, into a buffer. A record may be shown only
 * when no partition could still hold an earlier one: every other partition either has a
 * buffered record at or after it, or has been read to its end. So a partition whose buffer
 * ran dry before its end stops the merge until it is read further.
 */

/** What the merge needs of a record (the API's fetched record has more). */
export interface Timed {
  readonly partition_id: number;
  readonly offset: number;
  readonly timestamp: string;
}

/** One partition's reading state: records read but not shown yet, and where reading goes on. */
export interface PartitionCursor<R extends Timed> {
  readonly partition: number;
  readonly buffer: readonly R[];
  /** The offset the next fetch of this partition starts at. */
  readonly next: number;
  /** The partition's readable end as of its last fetch. */
  readonly end: number;
}

/** True when the partition may hold records not read yet that the merge would have to wait for. */
export function needsRead<R extends Timed>(cursor: PartitionCursor<R>): boolean {
  return cursor.buffer.length === 0 && cursor.next < cursor.end;
}

/**
 * Takes up to `limit` records from the cursors in timestamp order (ties by partition, then
 * offset), stopping early when a partition must be read further first.
 *
 * @example
 * const { records, cursors: after } = mergeByTimestamp(cursors, 50);
 * // show `records`; read the partitions where needsRead(cursor) before merging again
 */
export function mergeByTimestamp<R extends Timed>(
  cursors: readonly PartitionCursor<R>[],
  limit: number,
): { records: R[]; cursors: PartitionCursor<R>[] } {
  const taken = cursors.map(() => 0);
  const records: R[] = [];
  while (records.length < limit) {
    if (cursors.some((c, i) => taken[i] === c.buffer.length && c.next < c.end)) break;
    let best = -1;
    for (let i = 0; i < cursors.length; i++) {
      const head = cursors[i].buffer[taken[i]];
      if (head === undefined) continue;
      if (best < 0 || earlier(head, cursors[best].buffer[taken[best]])) best = i;
    }
    if (best < 0) break;
    records.push(cursors[best].buffer[taken[best]]);
    taken[best]++;
  }
  return {
    records,
    cursors: cursors.map((c, i) => ({ ...c, buffer: c.buffer.slice(taken[i]) })),
  };
}

function earlier(a: Timed, b: Timed): boolean {
  const at = Date.parse(a.timestamp);
  const bt = Date.parse(b.timestamp);
  if (at !== bt) return at < bt;
  return a.partition_id !== b.partition_id ? a.partition_id < b.partition_id : a.offset < b.offset;
}
