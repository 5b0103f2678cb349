import { mapLimit } from '../limit';
import { slotEnd } from '../storage/log-index';
import type { Topic } from '../topics/registry';
import { expiresByTtl, neededExpiry } from './expiry';
import type { RetentionDeps } from './types';

/**
 * Moves later the TTL of every slot of one partition, from its log start to its newest slot,
 * that carries a TTL shorter than the topic's current `retention.ms` needs (or removes it when
 * the topic now keeps records forever). Run when `retention.ms` was raised: slots written
 * before carry a TTL from the old value, and DynamoDB would delete them while the sweeper
 * still keeps them. Each change is conditional on the item still being the same slot and only
 * moves a TTL later (`LogIndex.setExpiry`). Slots below the log start are left alone: no reader
 * looks there. Returns how many TTLs it changed.
 *
 * @example
 * const changed = await extendPartitionExpiries(deps, topic, 0);
 */
export async function extendPartitionExpiries(
  deps: RetentionDeps,
  topic: Topic,
  partition: number,
): Promise<number> {
  const retentionMs = topic.configs['retention.ms'];
  const pageSize = deps.pageSize ?? 100;
  const { sequencer } = await deps.index.tail(topic.id, partition, 0);
  let cursor = sequencer?.logStartOffset ?? 0;
  let changed = 0;
  for (;;) {
    const page = await deps.index.slotsAfter(topic.id, partition, cursor, pageSize);
    const due = page.slots.filter((slot) => {
      if (!expiresByTtl(slot)) return false;
      const needed = neededExpiry(slot, retentionMs);
      return needed === undefined || (slot.expiresAt as number) < needed;
    });
    const outcomes = await mapLimit(due, deps.concurrency ?? 16, (slot) =>
      deps.index.setExpiry(slot, neededExpiry(slot, retentionMs)),
    );
    changed += outcomes.filter((outcome) => outcome.kind === 'updated').length;
    const last = page.slots.at(-1);
    if (!page.more || !last) return changed;
    cursor = slotEnd(last);
  }
}

/**
 * Whether the sweeper must check the topic's TTLs: its `retention.ms` was raised (or set to
 * -1) since slots were written with a lower one, and the sweeper has not settled that yet.
 */
export function needsExpiryCheck(topic: Pick<Topic, 'expiryFloor'>): boolean {
  return topic.expiryFloor !== undefined;
}
