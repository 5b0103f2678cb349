import { isProducerStateExpired, type ProducerState } from '../storage/log-index';

/**
 * How many producer states one log instance remembers. An entry is a few hundred bytes, so the
 * cap keeps a warm process (a Lambda instance, the local server) under a few MB whatever
 * number of producers and partitions it serves; past it the least recently used entry goes,
 * and that producer's next batch reads its state as a cold writer does.
 */
export const MAX_WARM_PRODUCER_STATES = 10_000;

/** A producer state this writer claimed and then committed, and when it expires. */
export interface WarmProducerState {
  readonly state: ProducerState;
  /** The state's `exp`, in seconds since the epoch, as the claim wrote it. */
  readonly expiresAt: number;
}

/**
 * The producer states this writer claimed and committed itself, per producer, topic and
 * partition: what a warm writer knows without reading (docs/design/sequenced-log.md, "A warm
 * writer's own claim"). Never the authority — the claim's condition is — so a stale entry
 * costs a conflict, never a wrong answer.
 */
export interface WarmProducerStates {
  /**
   * Removes and returns the entry, unless it expired by `now` (then it is only removed). The
   * caller puts it back with {@link WarmProducerStates.remember} once its next claim commits;
   * any other end leaves the key empty, so a failure, refusal, conflict or void forgets it.
   */
  take(producerId: string, topicId: string, partition: number, now: number): WarmProducerState | undefined;
  /** Remembers the state a claim wrote, once its batch's slot holds the batch. */
  remember(producerId: string, topicId: string, partition: number, entry: WarmProducerState): void;
}

/**
 * An in-memory {@link WarmProducerStates}, least recently used first out.
 *
 * @example
 * const warm = createWarmProducerStates();
 * warm.remember('p-1', topicId, 0, { state, expiresAt });
 * warm.take('p-1', topicId, 0, Date.now()); // the entry, now removed
 */
export function createWarmProducerStates(maxEntries = MAX_WARM_PRODUCER_STATES): WarmProducerStates {
  // A Map iterates in insertion order: re-inserting on use keeps the oldest entry first.
  const entries = new Map<string, WarmProducerState>();
  const keyOf = (producerId: string, topicId: string, partition: number) =>
    JSON.stringify([producerId, topicId, partition]);
  return {
    take(producerId, topicId, partition, now) {
      const key = keyOf(producerId, topicId, partition);
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      return isProducerStateExpired(entry.expiresAt, now) ? undefined : entry;
    },
    remember(producerId, topicId, partition, entry) {
      const key = keyOf(producerId, topicId, partition);
      entries.delete(key);
      entries.set(key, entry);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}
