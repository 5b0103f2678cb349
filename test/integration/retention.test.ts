import { type AttributeValue, DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createRetentionHandler } from '../../functions/retention/handler';
import type { Cluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { NotFoundError, OffsetOutOfRangeError } from '../../shared/errors';
import {
  purgeTopic,
  RETENTION_CHANGE_SETTLE_MS,
  RETENTION_TTL_MARGIN_MS,
  type RetentionDeps,
  sweepAll,
  sweepTopic,
} from '../../shared/retention';
import { AwsRequestCounter, createAwsClients } from '../../shared/storage/aws';
import { partitionKey, type Slot, slotEnd } from '../../shared/storage/log-index';
import { LOG_TABLE_TTL_ATTRIBUTE } from '../../shared/storage/schema';
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
  it('moves the log start past expired inline slots and leaves them to their TTL: no delete, no S3 call', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newCluster({ counter });
    const topic = await retentionTopic(cluster, HOUR);
    const old = Date.now() - 2 * HOUR;
    await produce(cluster, topic, ['a0', 'a1'], 0, old);
    await produce(cluster, topic, ['b0'], 0, old);
    await produce(cluster, topic, ['c0', 'c1']);
    const before = await items(cluster, topic, 0);
    expect(before.every((slot) => slot.kind === 'data' && slot.inline !== undefined)).toBe(true);
    expect(before.every((slot) => slot.expiresAt !== undefined)).toBe(true);

    counter.reset();
    const counts = await sweepTopic(depsOf(cluster), topic, Date.now());
    expect(counts).toMatchObject({
      itemsDeleted: 0,
      itemsLeftToTtl: 2,
      objectsDeleted: 0,
      objectsKept: 0,
      objectsMissing: 0,
    });
    const calls = Object.keys(counter.snapshot());
    expect(calls.filter((call) => call.startsWith('S3.') || call.includes('DeleteItem'))).toEqual([]);
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 3, logEndOffset: 5 });
    // Below the log start, unread, until DynamoDB's TTL deletes them.
    expect(await items(cluster, topic, 0)).toEqual(before);
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
    // The segment slot is deleted (then its object); the inline ones are left to their TTL.
    expect(counts).toMatchObject({ itemsDeleted: 1, itemsLeftToTtl: 2, objectsDeleted: 1 });
    expect((await items(cluster, topic, 0)).map((slot) => slot.baseOffset)).toEqual([0, 2, 3]);
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

// Inline slots and voids expire by DynamoDB's TTL (free) after the sweeper moved the log start
// past them. DynamoDB Local stores the attribute but never deletes: the tests read it, and
// simulate TTL by deleting items through the SDK.
describe('expiry by TTL', () => {
  const config = configFromEnv();
  const { dynamodb } = createAwsClients(config);
  const MINUTE = 60_000;

  async function rawItem(slot: Slot): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: config.logTable,
        Key: { pk: { S: partitionKey(slot.topicId, slot.partition) }, sk: { N: String(slotEnd(slot)) } },
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  /** What DynamoDB's TTL does once `exp` passes: the item goes, with no condition. */
  async function expireByTtl(slot: Slot): Promise<void> {
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: config.logTable,
        Key: { pk: { S: partitionKey(slot.topicId, slot.partition) }, sk: { N: String(slotEnd(slot)) } },
      }),
    );
  }

  /** A range reserved `ageMs` ago whose writer never committed: the next read voids it. */
  async function abandonRange(cluster: Cluster, topic: Topic, count: number, ageMs: number): Promise<void> {
    await cluster.index.reserve(topic.id, 0, count, Date.now() - ageMs);
    await cluster.log.offsets(topic, 0);
  }

  it('gives inline slots and voids exp = their time + retention.ms + the margin, and segment slots none', async () => {
    const cluster = newCluster();
    const topic = await retentionTopic(cluster, HOUR);
    await produce(cluster, topic, ['a']);
    await abandonRange(cluster, topic, 2, MINUTE);
    const [data, hole] = await items(cluster, topic, 0);
    if (data.kind !== 'data' || hole.kind !== 'void') throw new Error('expected a data slot, then a void');
    const dataExpiry = Math.ceil((data.appendedAt + HOUR + RETENTION_TTL_MARGIN_MS) / 1000);
    expect(data.expiresAt).toBe(dataExpiry);
    expect((await rawItem(data))?.[LOG_TABLE_TTL_ATTRIBUTE]).toEqual({ N: String(dataExpiry) });
    // A void ages from its range's reservation, not from when a reader found it abandoned.
    expect(hole.reservedAt).toBeLessThan(hole.voidedAt - 30_000);
    const holeExpiry = Math.ceil(((hole.reservedAt as number) + HOUR + RETENTION_TTL_MARGIN_MS) / 1000);
    expect((await rawItem(hole))?.[LOG_TABLE_TTL_ATTRIBUTE]).toEqual({ N: String(holeExpiry) });

    const s3 = newS3Cluster();
    const inS3 = await retentionTopic(s3, HOUR);
    await produce(s3, inS3, ['b']);
    const [segmentSlot] = await items(s3, inS3, 0);
    expect(segmentSlot.expiresAt).toBeUndefined();
    expect((await rawItem(segmentSlot))?.[LOG_TABLE_TTL_ATTRIBUTE]).toBeUndefined();

    const forever = await retentionTopic(cluster, -1);
    await produce(cluster, forever, ['c']);
    const [kept] = await items(cluster, forever, 0);
    expect((await rawItem(kept))?.[LOG_TABLE_TTL_ATTRIBUTE]).toBeUndefined();
  });

  it('leaves expired voids to their TTL, and still deletes slots without one (written while retention was -1)', async () => {
    const cluster = newCluster();
    const topic = await retentionTopic(cluster, -1);
    await produce(cluster, topic, ['kept-0']);
    await produce(cluster, topic, ['kept-1']);
    const lowered = await cluster.topics.alterConfigs(topic.name, [
      { name: 'retention.ms', value: String(HOUR) },
    ]);
    expect(lowered.expiryFloor).toBeUndefined(); // -1 wrote no TTL: nothing to move
    await abandonRange(cluster, lowered, 1, MINUTE);
    await produce(cluster, lowered, ['fresh']);
    const before = await items(cluster, lowered, 0);
    expect(before.map((slot) => [slot.kind, slot.expiresAt !== undefined])).toEqual([
      ['data', false],
      ['data', false],
      ['void', true],
      ['data', true],
    ]);

    const counts = await sweepTopic(depsOf(cluster), lowered, Date.now() + 3 * HOUR);
    expect(counts).toMatchObject({ itemsDeleted: 2, itemsLeftToTtl: 2, itemsChanged: 0 });
    expect(await cluster.log.offsets(lowered, 0)).toEqual({ logStartOffset: 4, logEndOffset: 4 });
    expect(await items(cluster, lowered, 0)).toEqual(before.slice(2));
  });

  it('moves TTLs later when retention.ms is raised, never earlier when it is lowered, and removes them for -1', async () => {
    const cluster = newCluster();
    const topic = await retentionTopic(cluster, HOUR);
    await produce(cluster, topic, ['a']);
    await abandonRange(cluster, topic, 1, MINUTE);
    await produce(cluster, topic, ['b', 'c']);
    const written = await items(cluster, topic, 0);

    const raised = await cluster.topics.alterConfigs(topic.name, [
      { name: 'retention.ms', value: String(10 * HOUR) },
    ]);
    expect(raised.expiryFloor).toEqual({ retentionMs: HOUR, since: expect.any(Number) });
    const now = Date.now();
    expect(await sweepTopic(depsOf(cluster), raised, now)).toMatchObject({
      itemsExtended: 3,
      itemsDeleted: 0,
    });
    const extended = await items(cluster, topic, 0);
    expect(extended.map((slot) => slot.expiresAt)).toEqual(
      written.map((slot) =>
        Math.ceil(
          ((slot.kind === 'data' ? slot.appendedAt : (slot.reservedAt as number)) +
            10 * HOUR +
            RETENTION_TTL_MARGIN_MS) /
            1000,
        ),
      ),
    );
    // Writers may still hold the old retention in a cache: the topic stays marked until that passed.
    expect((await cluster.topics.get(topic.name)).expiryFloor).toBeDefined();
    await sweepTopic(
      { ...depsOf(cluster), topics: cluster.topics },
      raised,
      now + RETENTION_CHANGE_SETTLE_MS + 1,
    );
    expect((await cluster.topics.list()).find((t) => t.id === topic.id)?.expiryFloor).toBeUndefined();

    const lowered = await cluster.topics.alterConfigs(topic.name, [
      { name: 'retention.ms', value: String(HOUR) },
    ]);
    expect(lowered.expiryFloor).toBeUndefined();
    const counts = await sweepTopic(depsOf(cluster), lowered, Date.now() + 2 * HOUR);
    expect(counts).toMatchObject({ itemsLeftToTtl: 3, itemsExtended: 0, itemsDeleted: 0 });
    expect(await items(cluster, topic, 0)).toEqual(extended);

    const forever = await cluster.topics.alterConfigs(topic.name, [{ name: 'retention.ms', value: '-1' }]);
    expect(forever.expiryFloor).toEqual({ retentionMs: HOUR, since: expect.any(Number) });
    // Kept forever: the TTLs of slots still in the log are removed.
    const other = await retentionTopic(cluster, HOUR);
    await produce(cluster, other, ['e']);
    const keptForever = await cluster.topics.alterConfigs(other.name, [
      { name: 'retention.ms', value: '-1' },
    ]);
    expect(await sweepTopic(depsOf(cluster), keptForever, Date.now())).toMatchObject({ itemsExtended: 1 });
    const [unexpiring] = await items(cluster, other, 0);
    expect(unexpiring.expiresAt).toBeUndefined();
    expect((await rawItem(unexpiring))?.[LOG_TABLE_TTL_ATTRIBUTE]).toBeUndefined();
  });

  /**
   * The invariant: when a slot's TTL passes, the sweeper (at that same instant) has moved the
   * log start past it, so DynamoDB never deletes a slot a reader could still be sent to.
   */
  async function expectTtlNeverAheadOfSweeper(cluster: Cluster, topic: Topic): Promise<number> {
    const slots = (await items(cluster, topic, 0)).filter((slot) => slot.expiresAt !== undefined);
    const start = (await cluster.log.offsets(topic, 0)).logStartOffset;
    const byExpiry = slots
      .filter((slot) => slotEnd(slot) > start)
      .sort((a, b) => (a.expiresAt as number) - (b.expiresAt as number));
    for (const slot of byExpiry) {
      await sweepTopic(depsOf(cluster), topic, (slot.expiresAt as number) * 1000);
      const { logStartOffset } = await cluster.log.offsets(topic, 0);
      expect({ slot: slot.baseOffset, passed: logStartOffset >= slotEnd(slot) }).toEqual({
        slot: slot.baseOffset,
        passed: true,
      });
    }
    return byExpiry.length;
  }

  it('never lets a TTL pass before the sweeper has moved past its slot (clock injected), also after a raise', async () => {
    const cluster = newCluster();
    const topic = await retentionTopic(cluster, HOUR);
    const old = Date.now() - 5 * HOUR;
    await produce(cluster, topic, ['stamped-old'], 0, old);
    await produce(cluster, topic, ['fresh']);
    await abandonRange(cluster, topic, 2, 2 * MINUTE);
    await produce(cluster, topic, ['stamped-old-again'], 0, old);
    await produce(cluster, topic, ['stamped-future'], 0, Date.now() + 10 * HOUR);
    expect(await expectTtlNeverAheadOfSweeper(cluster, topic)).toBe(5);

    const raisedTopic = await retentionTopic(cluster, HOUR);
    await produce(cluster, raisedTopic, ['a']);
    await abandonRange(cluster, raisedTopic, 1, MINUTE);
    await produce(cluster, raisedTopic, ['b']);
    const raised = await cluster.topics.alterConfigs(raisedTopic.name, [
      { name: 'retention.ms', value: String(6 * HOUR) },
    ]);
    await sweepTopic(depsOf(cluster), raised, Date.now());
    expect(await expectTtlNeverAheadOfSweeper(cluster, raised)).toBe(3);
  });

  it("checks a shared object's other partitions from their log start, past the slots waiting for TTL", async () => {
    const cluster = newCluster({ log: { inlineSectionMaxBytes: 256 } });
    const topic = await retentionTopic(cluster, HOUR, 2);
    const old = Date.now() - 2 * HOUR;
    // Partition 1: expired inline slots, then a fresh one, then its section of a shared object.
    for (let i = 0; i < 5; i++) await produce(cluster, topic, [`old-${i}`], 1, old);
    await produce(cluster, topic, ['fresh'], 1);
    await cluster.log.append(topic, [
      { ...textRecord('x'.repeat(400), null, 0), timestamp: old },
      textRecord('y'.repeat(400), null, 1),
    ]);
    await produce(cluster, topic, ['head'], 0);
    const [sharedSlot] = await items(cluster, topic, 0);
    const shared = segmentOf(sharedSlot);

    const checks: { partition: number; fromOffset?: number }[] = [];
    const observed = newCluster({
      log: { inlineSectionMaxBytes: 256 },
      wrapIndex: (index) => ({
        ...index,
        holdsSegment: (topicId, partition, segmentKey, lateAfter, fromOffset) => {
          checks.push({ partition, fromOffset });
          return index.holdsSegment(topicId, partition, segmentKey, lateAfter, fromOffset);
        },
      }),
    });
    const counts = await sweepTopic(depsOf(observed), topic, Date.now());
    expect(counts).toMatchObject({ itemsDeleted: 1, itemsLeftToTtl: 5, objectsKept: 1 });
    expect(checks).toEqual([{ partition: 1, fromOffset: 5 }]);
    expect(await objectExists(cluster, shared)).toBe(true);
    // What a check from a log start sees: the object's slot in partition 1 sits at offset 6.
    expect(await cluster.index.holdsSegment(topic.id, 1, shared, Date.now() + HOUR, 5)).toBe(true);
    expect(await cluster.index.holdsSegment(topic.id, 1, shared, Date.now() + HOUR, 8)).toBe(false);
  });

  it('reads correctly around slots TTL removed: below the log start, and above it after a sweeper outage', async () => {
    let clock = Date.now() - 3 * HOUR;
    const cluster = newCluster({ log: { now: () => clock } });
    const topic = await retentionTopic(cluster, HOUR);
    await produce(cluster, topic, ['a']);
    await produce(cluster, topic, ['b']);
    clock = Date.now();
    for (const value of ['c', 'd', 'e']) await produce(cluster, topic, [value]);
    await sweepTopic(depsOf(cluster), topic, clock);
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 2, logEndOffset: 5 });
    const [a, b, c] = await items(cluster, topic, 0);
    await expireByTtl(a);
    await expireByTtl(b);
    expect((await readAll(cluster, topic, 0)).map((r) => r.value?.toString())).toEqual(['c', 'd', 'e']);

    // A sweeper that stayed down past the margin: TTL removed a slot above the log start. Its
    // records were past retention; readers skip its range as they skip a void.
    await expireByTtl(c);
    const page = await cluster.log.fetch({ topic, partition: 0, offset: 2 });
    expect(page.records.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [3, 'd'],
      [4, 'e'],
    ]);
    expect(page.nextOffset).toBe(5);

    // Above the readable hint, the missing range is a hole older than the grace period: voided.
    clock = Date.now() - 3 * HOUR;
    const unswept = await retentionTopic(cluster, HOUR);
    for (const value of ['x', 'y', 'z']) await produce(cluster, unswept, [value]);
    clock = Date.now();
    const [, y] = await items(cluster, unswept, 0);
    await expireByTtl(y);
    expect(await cluster.log.offsets(unswept, 0)).toEqual({ logStartOffset: 0, logEndOffset: 3 });
    expect((await readAll(cluster, unswept, 0)).map((r) => [r.offset, r.value?.toString()])).toEqual([
      [0, 'x'],
      [2, 'z'],
    ]);
  });
});
