import type { Cluster } from '../../../shared/cluster';
import type { ProducerState, VoidOutcome } from '../../../shared/storage/log-index';
import type { Topic } from '../../../shared/topics/registry';

/** The producer state for partition 0, as a cold writer's append reads it. */
export function stateOf(cluster: Cluster, topic: Topic, id: string): Promise<ProducerState | undefined> {
  return cluster.index.producerState(id, topic.id, 0, Date.now());
}

/**
 * Voids the range a producer state names on partition 0, as a reader does once a claimed
 * range stays open past the grace period.
 */
export function voidClaimedRange(
  cluster: Cluster,
  topic: Topic,
  claimed: ProducerState,
): Promise<VoidOutcome> {
  return cluster.index.void({
    kind: 'void',
    topicId: topic.id,
    partition: 0,
    baseOffset: claimed.lastBaseOffset,
    count: claimed.lastCount,
    reservedAt: claimed.reservedAt,
    voidedAt: Date.now(),
  });
}
