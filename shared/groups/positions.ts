import type { Cluster } from '../cluster';
import type { Topic } from '../topics/registry';
import type { LeaseRecord, StartPolicy } from './types';

/**
 * Where a member that just took a partition starts: the committed offset when it is inside
 * the log, the `auto.offset.reset` position when it fell out of it (retention moved the log
 * start past it, or the topic was re-created), the starting position when nothing was
 * committed yet.
 *
 * @example
 * const start = await resolveStartOffset(cluster, topic, 0, seenLease, { startingPosition: 'TRIM_HORIZON', autoOffsetReset: 'earliest' });
 */
export async function resolveStartOffset(
  cluster: Pick<Cluster, 'log'>,
  topic: Topic,
  partition: number,
  seen: LeaseRecord | undefined,
  policy: StartPolicy,
): Promise<number> {
  const { logStartOffset, logEndOffset } = await cluster.log.offsets(topic, partition);
  const committed = seen?.topicId === topic.id ? seen.committed : undefined;
  if (committed !== undefined) {
    if (committed >= logStartOffset && committed <= logEndOffset) return committed;
    return policy.autoOffsetReset === 'earliest' ? logStartOffset : logEndOffset;
  }
  switch (policy.startingPosition) {
    case 'TRIM_HORIZON':
      return logStartOffset;
    case 'LATEST':
      return logEndOffset;
    case 'AT_TIMESTAMP':
      return cluster.log.offsetForTimestamp(topic, partition, policy.startingPositionTimestamp ?? 0);
  }
}
