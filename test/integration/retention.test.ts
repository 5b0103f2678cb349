import { createRetentionHandler } from '../../functions/retention/handler';
import type { Cluster } from '../../shared/cluster';
import { NotFoundError, OffsetOutOfRangeError } from '../../shared/errors';
import { purgeTopic, type RetentionDeps, sweepAll, sweepTopic } from '../../shared/retention';
import { AwsRequestCounter } from '../../shared/storage/aws';
import type { Slot } from '../../shared/storage/log-index';
import type { Topic } from '../../shared/topics/registry';
import { newApi, newCluster, newS3Cluster, readAll, textRecord, uniqueName } from './support/core';

const HOUR = 3_600_000;

function depsOf(cluster: Cluster): RetentionDeps {
  return { log: cluster.log, index: cluster.index, segments: cluster.segments };
}

async function retentionTopic(cluster: Cluster, retentionMs: number, partitionCount = 1): Promise<Topic> {
  return cluster.topics.create({
    name: uniqueName('retention'),
    partitionCount,
    configs: [{ name: 'retention.ms', value: String(retentionMs) }],
  });
}

/** One produce request (one index item per partition it touches). */
async function produce(cluster: Cluster, topic: Topic, values: string[], partition = 0, timestamp?: number) {
  const results = await cluster.log.append(
    topic,
    values.map((v) => ({
      ...textRecord(v, null, partition),
      ...(timestamp === undefined ? {} : { timestamp }),
    })),
  );
  expect(results.every((r) => r.ok)).toBe(true);
  return results;
}

async function items(cluster: Cluster, topic: Topic, partition: number): Promise<Slot[]> {
  return [...(await cluster.index.slotsAfter(topic.id, partition, -1, 1000)).slots];
}

function segmentOf(slot: Slot): string {
  if (slot.kind !== 'data' || slot.inline !== undefined) {
    throw new Error(`expected a data slot in a segment object, got ${JSON.stringify(slot)}`);
  }
  return slot.segmentKey;
}

async function objectExists(cluster: Cluster, key: string): Promise<boolean> {
  try {
    await cluster.segments.getRange(key, 0, 4);
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

// The tests of this block are about segment objects: every section goes to S3 (threshold 0).
describe('retention', () => {
  it('deletes expired items from the front, moves log_start_offset up and answers 416 below it', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, HOUR);
    const old = Date.now() - 2 * HOUR;
    await produce(cluster, topic, ['a0', 'a1'], 0, old);
    await produce(cluster, topic, ['b0'], 0, old);
    await produce(cluster, topic, ['c0', 'c1']);
    await produce(cluster, topic, ['d0']);
    const [first] = await items(cluster, topic, 0);

    const counts = await sweepTopic(depsOf(cluster), topic, Date.now());
    expect(counts).toMatchObject({ partitions: 1, itemsDeleted: 2, objectsDeleted: 2, objectsKept: 0 });
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 3, logEndOffset: 6 });
    expect(await objectExists(cluster, segmentOf(first))).toBe(false);

    await expect(cluster.log.fetch({ topic, partition: 0, offset: 0 })).rejects.toBeInstanceOf(
      OffsetOutOfRangeError,
    );
    const reset = await cluster.log.fetch({ topic, partition: 0, offset: 0, autoOffsetReset: 'earliest' });
    expect(reset.records.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [3, 'c0'],
      [4, 'c1'],
      [5, 'd0'],
    ]);

    const call = newApi(cluster);
    const base = `/v3/clusters/local/topics/${topic.name}/partitions`;
    expect((await call('GET', base)).body.data[0]).toMatchObject({ log_start_offset: 3, log_end_offset: 6 });
    const below = await call('GET', `${base}/0/records?offset=1`);
    expect(below.status).toBe(416);
    expect(below.body).toMatchObject({ error_code: 41601, log_start_offset: 3, log_end_offset: 6 });
    const earliest = await call('GET', `${base}/0/records?offset=1&auto_offset_reset=earliest`);
    expect(earliest.status).toBe(200);
  });

  it('stops at the first unexpired item, even when later items have expired', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, HOUR);
    const old = Date.now() - 2 * HOUR;
    await produce(cluster, topic, ['old'], 0, old);
    await produce(cluster, topic, ['fresh']);
    await produce(cluster, topic, ['old-again'], 0, old);
    await produce(cluster, topic, ['head']);

    await sweepTopic(depsOf(cluster), topic, Date.now());
    expect((await items(cluster, topic, 0)).map((i) => i.baseOffset)).toEqual([1, 2, 3]);
  });

  it('deletes every slot once everything expired: log start = log end, and the next produce continues after it', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, 1000);
    await produce(cluster, topic, ['a', 'b']);
    await produce(cluster, topic, ['c', 'd', 'e']);
    const later = Date.now() + 10 * HOUR;

    const counts = await sweepTopic(depsOf(cluster), topic, later);
    expect(counts).toMatchObject({ itemsDeleted: 2, objectsDeleted: 2 });
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 5, logEndOffset: 5 });
    expect(await items(cluster, topic, 0)).toEqual([]);
    const empty = await cluster.log.fetch({ topic, partition: 0, offset: 0, autoOffsetReset: 'earliest' });
    expect(empty).toMatchObject({ records: [], nextOffset: 5, logStartOffset: 5, logEndOffset: 5 });

    // A fresh process continues from the sequencer, not from any slot.
    const other = newS3Cluster();
    const [next] = await produce(other, await other.topics.get(topic.name), ['f']);
    expect(next).toMatchObject({ ok: true, offset: 5 });
    const read = await other.log.fetch({ topic, partition: 0, offset: 0, autoOffsetReset: 'earliest' });
    expect(read.records.map((r) => [r.offset, r.value?.toString()])).toEqual([[5, 'f']]);
    await sweepTopic(depsOf(other), topic, later + 10 * HOUR);
    expect(await other.log.offsets(topic, 0)).toEqual({ logStartOffset: 6, logEndOffset: 6 });
  });

  it('deletes an object shared by two partitions only after both partitions dropped their slots', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, HOUR, 2);
    // One request, one object: partition 1's record is old, partition 0's is fresh.
    await cluster.log.append(topic, [
      textRecord('p0', null, 0),
      { ...textRecord('p1', null, 1), timestamp: Date.now() - 2 * HOUR },
    ]);
    const [shared] = await items(cluster, topic, 0);

    // Partition 1 drops its slot; partition 0's slot still points at the object.
    const first = await sweepTopic(depsOf(cluster), topic, Date.now());
    expect(first).toMatchObject({ itemsDeleted: 1, objectsDeleted: 0, objectsKept: 1 });
    expect(await objectExists(cluster, segmentOf(shared))).toBe(true);
    expect(await cluster.log.fetch({ topic, partition: 0, offset: 0 })).toMatchObject({
      records: [expect.objectContaining({ offset: 0 })],
    });

    const second = await sweepTopic(depsOf(cluster), topic, Date.now() + 2 * HOUR);
    expect(second).toMatchObject({ itemsDeleted: 1, objectsDeleted: 1, objectsKept: 0 });
    expect(await objectExists(cluster, segmentOf(shared))).toBe(false);
  });

  it('deletes a shared object in one sweep when both partitions drop their items together', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, 1000, 2);
    await cluster.log.append(topic, [textRecord('p0', null, 0), textRecord('p1', null, 1)]);
    await cluster.log.append(topic, [textRecord('p0-head', null, 0), textRecord('p1-head', null, 1)]);
    const [shared] = await items(cluster, topic, 0);

    const counts = await sweepTopic(depsOf(cluster), topic, Date.now() + HOUR);
    expect(counts).toMatchObject({ itemsDeleted: 4, objectsDeleted: 2, objectsKept: 0 });
    expect(await objectExists(cluster, segmentOf(shared))).toBe(false);
  });

  it('keeps everything when retention.ms is -1', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, -1);
    await produce(cluster, topic, ['a'], 0, 0);
    await produce(cluster, topic, ['b'], 0, 0);
    const counts = await sweepTopic(depsOf(cluster), topic, Date.now() + 1000 * 365 * 24 * HOUR);
    expect(counts.itemsDeleted).toBe(0);
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 2 });
  });

  it('is idempotent: a second sweep finds nothing to do and changes nothing', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, 1000, 2);
    for (let i = 0; i < 3; i++) {
      await cluster.log.append(topic, [textRecord(`x${i}`, null, 0), textRecord(`y${i}`, null, 1)]);
    }
    const later = Date.now() + HOUR;
    const first = await sweepTopic(depsOf(cluster), topic, later);
    expect(first).toMatchObject({ itemsDeleted: 6, objectsDeleted: 3 });
    const before = [await items(cluster, topic, 0), await items(cluster, topic, 1)];

    const again = await sweepTopic(depsOf(cluster), topic, later);
    expect(again).toMatchObject({ itemsDeleted: 0, itemsAlreadyGone: 0, objectsDeleted: 0, objectsKept: 0 });
    expect([await items(cluster, topic, 0), await items(cluster, topic, 1)]).toEqual(before);
    expect(await cluster.log.offsets(topic, 1)).toEqual({ logStartOffset: 3, logEndOffset: 3 });
  });

  it('still deletes the object when a concurrent sweeper deleted the item first (already-gone)', async () => {
    // The other sweeper wins the race for every item, then (say) dies before the object.
    const cluster = newS3Cluster({
      wrapIndex: (index) => ({
        ...index,
        async delete(entry) {
          expect(await index.delete(entry)).toEqual({ kind: 'deleted' });
          return index.delete(entry);
        },
      }),
    });
    const topic = await retentionTopic(cluster, 1000);
    await produce(cluster, topic, ['a']);
    await produce(cluster, topic, ['head']);
    const [expired] = await items(cluster, topic, 0);

    const counts = await sweepTopic(depsOf(cluster), topic, Date.now() + HOUR);
    expect(counts).toMatchObject({ itemsDeleted: 0, itemsAlreadyGone: 2, objectsDeleted: 2 });
    expect(await objectExists(cluster, segmentOf(expired))).toBe(false);
  });

  it('refuses to delete an item that no longer matches (changed)', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, 1000);
    await produce(cluster, topic, ['a']);
    const [item] = await items(cluster, topic, 0);
    if (item.kind !== 'data' || item.inline !== undefined) throw new Error('expected a segment data slot');
    const outcome = await cluster.index.delete({ ...item, segmentKey: 'segments/elsewhere' });
    expect(outcome).toEqual({ kind: 'changed', occupant: item });
    expect(await items(cluster, topic, 0)).toEqual([item]);
  });

  it('costs two queries on a partition with nothing expired (the readable end, then the first slot)', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newS3Cluster({ counter });
    const topic = await retentionTopic(cluster, HOUR);
    for (let i = 0; i < 5; i++) await produce(cluster, topic, [`r${i}`]);
    // A consumer's read has moved the readable hint past the new slots (readers do every 4).
    await cluster.log.offsets(topic, 0);
    counter.reset();
    const counts = await sweepTopic(depsOf(cluster), topic, Date.now());
    expect(counts.itemsDeleted).toBe(0);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 2 });
  });

  it('sweepAll sweeps every topic in the registry', async () => {
    const cluster = newS3Cluster();
    const a = await retentionTopic(cluster, 1);
    const b = await retentionTopic(cluster, 1, 3);
    await produce(cluster, a, ['a0']);
    await produce(cluster, a, ['a1']);
    await produce(cluster, b, ['b0'], 2);
    await produce(cluster, b, ['b1'], 2);
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Real time: other tests' topics share the emulators and keep their default retention.
    const result = await sweepAll(cluster, Date.now());
    expect(result.topics).toBeGreaterThanOrEqual(2);
    expect(result.failures).toEqual([]);
    expect(await cluster.log.offsets(a, 0)).toEqual({ logStartOffset: 2, logEndOffset: 2 });
    expect(await cluster.log.offsets(b, 2)).toEqual({ logStartOffset: 2, logEndOffset: 2 });
    expect(await cluster.log.offsets(b, 0)).toEqual({ logStartOffset: 0, logEndOffset: 0 });
  });

  it('the scheduled handler sweeps and logs the counts', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, 1);
    await produce(cluster, topic, ['a']);
    await produce(cluster, topic, ['b']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const logged: { message: string; extra: Record<string, unknown> }[] = [];
    const logger = {
      info: (message: string, extra: Record<string, unknown>) => logged.push({ message, extra }),
      error: (message: string, extra: Record<string, unknown>) => logged.push({ message, extra }),
    };

    const result = await createRetentionHandler({ cluster, logger })();
    expect(result.itemsDeleted).toBeGreaterThanOrEqual(2);
    expect(logged[0]).toMatchObject({ message: 'retention sweep done', extra: { failed: 0 } });
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 2, logEndOffset: 2 });
  });
  it('purges a deleted topic: every slot, sequencer and object, orphans included, in bounded runs', async () => {
    const cluster = newS3Cluster();
    const topic = await retentionTopic(cluster, -1, 2);
    for (let i = 0; i < 3; i++) {
      await cluster.log.append(topic, [textRecord(`a${i}`, null, 0), textRecord(`b${i}`, null, 1)]);
    }
    const orphan = `segments/${topic.id}/orphan-of-a-crashed-produce`;
    await cluster.segments.put(orphan, Buffer.from('x'));
    const objects = [...new Set((await items(cluster, topic, 0)).map(segmentOf))];
    expect(objects).toHaveLength(3);
    await cluster.topics.delete(topic.name);
    expect((await cluster.topics.deleted()).map((t) => t.id)).toContain(topic.id);

    // Not before writers with cached metadata are surely done with it.
    const early = await sweepAll(cluster, Date.now() + 1_000, { purgeBudget: 1_000 });
    expect(early.deletedTopicsPurged).toBe(0);
    expect(await items(cluster, topic, 0)).toHaveLength(3);

    // A few deletions per run until nothing is left (other tests' deleted topics share the
    // emulators, so the bounded runs go through purgeTopic itself).
    const deleted = (await cluster.topics.deleted()).find((t) => t.id === topic.id);
    if (!deleted) throw new Error('the deleted topic is not recorded');
    let runs = 0;
    for (let done = false; !done; runs++) {
      if (runs > 20) throw new Error('the purge does not finish');
      const result = await purgeTopic(depsOf(cluster), deleted, 4);
      expect(result.slotsDeleted + result.objectsDeleted).toBeLessThanOrEqual(4);
      done = result.done;
    }
    expect(runs).toBeGreaterThan(1);
    const later = Date.now() + HOUR;
    const swept = await sweepAll(cluster, later, { purgeBudget: 100_000 });
    expect(swept.deletedTopicsPurged).toBeGreaterThanOrEqual(1);
    expect((await cluster.topics.deleted()).map((t) => t.id)).not.toContain(topic.id);
    for (const partition of [0, 1]) {
      expect(await items(cluster, topic, partition)).toEqual([]);
      expect((await cluster.index.tail(topic.id, partition, 1)).sequencer).toBeUndefined();
    }
    for (const key of [...objects, orphan]) expect(await objectExists(cluster, key)).toBe(false);

    // A topic of the same name created again starts empty and keeps its own data.
    const again = await cluster.topics.create({ name: topic.name, partitionCount: 1 });
    await produce(cluster, again, ['fresh']);
    expect((await readAll(cluster, again, 0)).map((r) => r.value?.toString())).toEqual(['fresh']);
  });
});

describe('retention of inline slots', () => {
  it('deletes expired inline slots with their records and touches S3 not at all', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newCluster({ counter });
    const topic = await retentionTopic(cluster, HOUR);
    const old = Date.now() - 2 * HOUR;
    await produce(cluster, topic, ['a0', 'a1'], 0, old);
    await produce(cluster, topic, ['b0'], 0, old);
    await produce(cluster, topic, ['c0', 'c1']);
    const before = await items(cluster, topic, 0);
    expect(before.every((slot) => slot.kind === 'data' && slot.inline !== undefined)).toBe(true);

    counter.reset();
    const counts = await sweepTopic(depsOf(cluster), topic, Date.now());
    expect(counts).toMatchObject({ itemsDeleted: 2, objectsDeleted: 0, objectsKept: 0, objectsMissing: 0 });
    expect(Object.keys(counter.snapshot()).filter((call) => call.startsWith('S3.'))).toEqual([]);
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 3, logEndOffset: 5 });
    expect((await items(cluster, topic, 0)).map((slot) => slot.baseOffset)).toEqual([3]);
    const left = await cluster.log.fetch({ topic, partition: 0, offset: 0, autoOffsetReset: 'earliest' });
    expect(left.records.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [3, 'c0'],
      [4, 'c1'],
    ]);
  });

  it('walks a partition holding both kinds of slot in offset order, deleting only the objects it frees', async () => {
    const cluster = newCluster({ log: { inlineSectionMaxBytes: 256 } });
    const topic = await retentionTopic(cluster, HOUR);
    const old = Date.now() - 2 * HOUR;
    await produce(cluster, topic, ['small'], 0, old);
    await produce(cluster, topic, ['x'.repeat(400)], 0, old);
    await produce(cluster, topic, ['small-again'], 0, old);
    await produce(cluster, topic, ['y'.repeat(400)]);
    const slots = await items(cluster, topic, 0);
    expect(slots.map((slot) => slot.kind === 'data' && slot.inline !== undefined)).toEqual([
      true,
      false,
      true,
      false,
    ]);

    const counts = await sweepTopic(depsOf(cluster), topic, Date.now());
    expect(counts).toMatchObject({ itemsDeleted: 3, objectsDeleted: 1 });
    expect(await objectExists(cluster, segmentOf(slots[1]))).toBe(false);
    expect(await objectExists(cluster, segmentOf(slots[3]))).toBe(true);
    expect((await readAll(cluster, topic, 0)).map((r) => r.offset)).toEqual([3]);
  });

  it('refuses to delete an inline slot that no longer matches (changed)', async () => {
    const cluster = newCluster();
    const topic = await retentionTopic(cluster, 1000);
    await produce(cluster, topic, ['a']);
    const [item] = await items(cluster, topic, 0);
    if (item.kind !== 'data' || item.inline === undefined) throw new Error('expected an inline data slot');
    const outcome = await cluster.index.delete({ ...item, appendedAt: item.appendedAt + 1 });
    expect(outcome).toEqual({ kind: 'changed', occupant: item });
    expect(await items(cluster, topic, 0)).toEqual([item]);
    expect(await cluster.index.delete(item)).toEqual({ kind: 'deleted' });
  });

  it('purges a deleted topic whose slots are inline: every slot and sequencer, no object to find', async () => {
    const cluster = newCluster();
    const topic = await retentionTopic(cluster, -1, 2);
    for (let i = 0; i < 3; i++) {
      await cluster.log.append(topic, [textRecord(`a${i}`, null, 0), textRecord(`b${i}`, null, 1)]);
    }
    const deleted = { ...topic, deletedAt: Date.now() };
    await cluster.topics.delete(topic.name);
    const result = await purgeTopic(depsOf(cluster), deleted, 100);
    expect(result).toEqual({ slotsDeleted: 6, objectsDeleted: 0, done: true });
    for (const partition of [0, 1]) {
      expect(await items(cluster, topic, partition)).toEqual([]);
      expect((await cluster.index.tail(topic.id, partition, 1)).sequencer).toBeUndefined();
    }
  });
});
