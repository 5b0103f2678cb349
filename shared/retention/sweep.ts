import type { Cluster } from '../cluster';
import { mapLimit } from '../limit';
import type { ExpiryFloor } from '../storage/topic-store';
import type { Topic } from '../topics/registry';
import { RETENTION_CHANGE_SETTLE_MS } from './expiry';
import { collectSegment } from './objects';
import { sweepPartition, type TouchedSegment } from './partition';
import { purgeTopic } from './purge';
import { extendPartitionExpiries, needsExpiryCheck } from './ttl';
import { addCounts, NO_COUNTS, type RetentionDeps, type SweepAllResult, type SweepCounts } from './types';

/**
 * Applies the topic's `retention.ms` at `now`: every partition loses its expired front
 * slots (all of them, if all expired), then each object those items pointed at is deleted if no item
 * of any partition references it any more. Objects are looked at only after every partition
 * was walked, so a sweep that removed all of an object's items also deletes the object.
 * Safe to run twice and concurrently: deletes are conditional and idempotent.
 *
 * @example
 * const counts = await sweepTopic({ log: cluster.log, index: cluster.index, segments: cluster.segments }, topic, Date.now());
 */
export async function sweepTopic(deps: RetentionDeps, topic: Topic, now: number): Promise<SweepCounts> {
  const concurrency = deps.concurrency ?? 16;
  const partitions = Array.from({ length: topic.partitionCount }, (_, p) => p);
  // First the TTLs a raised retention needs, before DynamoDB could remove a slot early.
  let itemsExtended = 0;
  if (needsExpiryCheck(topic)) {
    itemsExtended = sum(
      await mapLimit(partitions, concurrency, (p) => extendPartitionExpiries(deps, topic, p)),
    );
    const floor = topic.expiryFloor as ExpiryFloor;
    // Writers may use a cached copy of the old retention for a while: check again until then.
    if (now - floor.since > RETENTION_CHANGE_SETTLE_MS) await deps.topics?.settleExpiryFloor(topic);
  }
  if (topic.configs['retention.ms'] < 0) return { ...NO_COUNTS, itemsExtended };
  const sweeps = await mapLimit(partitions, concurrency, (p) => sweepPartition(deps, topic, p, now));

  const segments = new Map<string, { segment: TouchedSegment; gone: Set<number> }>();
  for (const touched of sweeps.flatMap((s) => s.touched)) {
    const known = segments.get(touched.segmentKey);
    if (known) known.gone.add(touched.partition);
    else segments.set(touched.segmentKey, { segment: touched, gone: new Set([touched.partition]) });
  }
  const logStarts = sweeps.map((s) => s.logStartOffset);
  const outcomes = await mapLimit([...segments.values()], concurrency, ({ segment, gone }) =>
    collectSegment(deps, topic, segment, gone, logStarts),
  );
  return {
    partitions: partitions.length,
    itemsDeleted: sum(sweeps.map((s) => s.itemsDeleted)),
    itemsLeftToTtl: sum(sweeps.map((s) => s.itemsLeftToTtl)),
    itemsExtended,
    itemsAlreadyGone: sum(sweeps.map((s) => s.itemsAlreadyGone)),
    itemsChanged: sum(sweeps.map((s) => s.itemsChanged)),
    objectsDeleted: outcomes.filter((o) => o === 'deleted').length,
    objectsKept: outcomes.filter((o) => o === 'kept').length,
    objectsMissing: outcomes.filter((o) => o === 'missing').length,
  };
}

/**
 * Sweeps every topic in the registry, one after another, then purges the data of deleted
 * topics (a bounded amount per sweep, see {@link purgeTopic}). A topic that fails is reported
 * in `failures` and the others still run. See docs/retention.md.
 *
 * @example
 * const result = await sweepAll(createCluster(configFromEnv()), Date.now());
 */
export async function sweepAll(
  cluster: Pick<Cluster, 'topics' | 'log' | 'index' | 'segments'>,
  now: number,
  options: Omit<RetentionDeps, 'log' | 'index' | 'segments' | 'topics'> = {},
): Promise<SweepAllResult> {
  const deps: RetentionDeps = {
    ...options,
    log: cluster.log,
    index: cluster.index,
    segments: cluster.segments,
    topics: cluster.topics,
  };
  const topics: Topic[] = await cluster.topics.list();
  let counts = NO_COUNTS;
  const failures: { topic: string; error: unknown }[] = [];
  for (const topic of topics) {
    try {
      counts = addCounts(counts, await sweepTopic(deps, topic, now));
    } catch (error) {
      failures.push({ topic: topic.name, error });
    }
  }

  // Deleted topics: their data goes too, a bounded amount per sweep.
  let budget = deps.purgeBudget ?? 1000;
  let deletedTopicsPurged = 0;
  for (const deleted of await cluster.topics.deleted()) {
    if (budget <= 0 || now - deleted.deletedAt < (deps.purgeDelayMs ?? 300_000)) continue;
    try {
      const purged = await purgeTopic(deps, deleted, budget);
      budget -= purged.slotsDeleted + purged.objectsDeleted;
      counts = addCounts(counts, {
        ...NO_COUNTS,
        itemsDeleted: purged.slotsDeleted,
        objectsDeleted: purged.objectsDeleted,
      });
      if (purged.done) {
        await cluster.topics.forget(deleted.id);
        deletedTopicsPurged++;
      }
    } catch (error) {
      failures.push({ topic: `${deleted.name} (deleted)`, error });
    }
  }
  return { ...counts, topics: topics.length, deletedTopicsPurged, failures };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
