/**
 * Where a record goes when the producer names no partition, matching Kafka's Java client so
 * the same key maps to the same partition whichever client wrote it.
 */
import { murmur2, toPositive } from './murmur2';

export { murmur2, toPositive } from './murmur2';

/**
 * Picks the partition of one record that arrived without an explicit partition.
 *
 * @example
 * ```ts
 * const partitioner: Partitioner = ({ partitionCount }) => partitionCount - 1;
 * ```
 */
export type Partitioner = (args: { topic: string; partitionCount: number; key: Buffer | null }) => number;

/**
 * Options for {@link createDefaultPartitioner}.
 *
 * @example
 * ```ts
 * const opts: DefaultPartitionerOptions = { random: () => 0.5 };
 * ```
 */
export interface DefaultPartitionerOptions {
  /** Source of [0, 1) used to choose the sticky partition; injectable for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * One partitioner per produce request (batch): keyed → murmur2 placement; keyless → sticky:
 * the first keyless record picks a random partition and every keyless record of the same
 * request/batch sticks to it (Kafka's sticky partitioner, KIP-480), so one request touches
 * as few partitions as possible. Stickiness is per topic, and a different partition count
 * for the same topic picks afresh.
 *
 * @example
 * ```ts
 * const partition = createDefaultPartitioner();
 * partition({ topic: 'orders', partitionCount: 6, key: Buffer.from('customer-42') }); // always the same
 * partition({ topic: 'orders', partitionCount: 6, key: null }); // random, then repeated for this batch
 * ```
 */
export function createDefaultPartitioner(opts: DefaultPartitionerOptions = {}): Partitioner {
  const random = opts.random ?? Math.random;
  // Each partition in a segment costs a section and an index write, so keyless records share one.
  const sticky = new Map<string, { partitionCount: number; partition: number }>();
  return ({ topic, partitionCount, key }) => {
    if (!Number.isInteger(partitionCount) || partitionCount < 1) {
      throw new RangeError(`Partition count must be a positive integer, got ${partitionCount}`);
    }
    if (key !== null) return toPositive(murmur2(key)) % partitionCount;
    const current = sticky.get(topic);
    if (current !== undefined && current.partitionCount === partitionCount) return current.partition;
    // Clamped so a source that returns exactly 1 cannot name a partition that does not exist.
    const partition = Math.min(Math.floor(random() * partitionCount), partitionCount - 1);
    sticky.set(topic, { partitionCount, partition });
    return partition;
  };
}
