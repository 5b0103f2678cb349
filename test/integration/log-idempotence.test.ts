import { DescribeTimeToLiveCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { OutOfOrderSequenceError } from '../../shared/errors';
import { createAwsClients } from '../../shared/storage/aws';
import { PRODUCER_STATE_EXPIRY_MS } from '../../shared/storage/log-index';
import { META_TABLE_TTL_ATTRIBUTE } from '../../shared/storage/schema';
import {
  describeEachSlotStorage,
  newCluster,
  newTopic,
  readAll,
  textRecord,
  uniqueName,
} from './support/core';

describeEachSlotStorage('idempotent produce', () => {
  it('appends a retried batch once and answers the retry with the original offsets', async () => {
    const cluster = newCluster();
    const topic = await newTopic(cluster, 1, 'idem');
    const producer = { id: uniqueName('p'), sequenceFor: () => 0 };
    // A retry resends the same records, timestamps included.
    const batch = [textRecord('a'), textRecord('b'), textRecord('c')];
    const first = await cluster.log.append(topic, batch, producer);
    const retry = await newCluster().log.append(topic, batch, producer);
    expect(retry).toEqual(first.map((r) => ({ ...r, timestamp: expect.any(Number) })));
    expect((await readAll(cluster, topic, 0)).length).toBe(3);

    const next = await cluster.log.append(topic, [textRecord('d')], { ...producer, sequenceFor: () => 3 });
    expect(next[0].ok && next[0].offset).toBe(3);
  });

  it('appends concurrent duplicates of one batch exactly once', async () => {
    const cluster = newCluster();
    const topic = await newTopic(cluster, 1, 'idem-race');
    const producer = { id: uniqueName('p'), sequenceFor: () => 0 };
    const batch = [textRecord('once'), textRecord('twice?')];
    const attempts = await Promise.all(
      Array.from({ length: 4 }, () => newCluster().log.append(topic, batch, producer)),
    );
    // Each duplicate reserved a range; the one whose transaction won is the batch, the others
    // voided theirs and answered its offsets. So every answer names the same two offsets.
    const [winner] = attempts[0].map((r) => r.ok && r.offset);
    for (const results of attempts)
      expect(results.map((r) => r.ok && r.offset)).toEqual([winner, Number(winner) + 1]);
    const stored = await readAll(cluster, topic, 0);
    expect(stored.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [winner, 'once'],
      [Number(winner) + 1, 'twice?'],
    ]);
  });

  it('rejects a sequence that skips ahead, and a new producer that does not start at 0, writing nothing', async () => {
    const cluster = newCluster();
    const topic = await newTopic(cluster, 1, 'idem-gap');
    const id = uniqueName('p');
    await expect(cluster.log.append(topic, [textRecord('a')], { id, sequenceFor: () => 5 })).rejects.toThrow(
      OutOfOrderSequenceError,
    );
    await cluster.log.append(topic, [textRecord('a')], { id, sequenceFor: () => 0 });
    await expect(cluster.log.append(topic, [textRecord('c')], { id, sequenceFor: () => 2 })).rejects.toThrow(
      OutOfOrderSequenceError,
    );
    expect((await readAll(cluster, topic, 0)).map((r) => r.value?.toString())).toEqual(['a']);
  });

  it('refuses a batch whose sequence another producer on the same id used, instead of acknowledging records it never wrote', async () => {
    const cluster = newCluster();
    const topic = await newTopic(cluster, 1, 'idem-forge');
    const id = uniqueName('shared-id');
    // Another producer sends under the victim's id (chosen by clients, bound to nothing) first.
    await cluster.log.append(topic, [textRecord('forged')], { id, sequenceFor: () => 0 });
    const refused = cluster.log.append(topic, [textRecord('mine')], { id, sequenceFor: () => 0 });
    await expect(refused).rejects.toThrow(OutOfOrderSequenceError);
    await expect(refused).rejects.toMatchObject({ errorCode: 40904, retriable: false });
    // Same count, same values, other headers, keys or timestamps: a different batch, refused too.
    const [value] = [textRecord('forged')];
    for (const other of [
      { ...value, headers: [{ key: 'h', value: null }] },
      { ...value, key: Buffer.alloc(0) },
      { ...value, timestamp: value.timestamp + 1 },
    ]) {
      await expect(cluster.log.append(topic, [other], { id, sequenceFor: () => 0 })).rejects.toMatchObject({
        errorCode: 40904,
      });
    }
    expect((await readAll(cluster, topic, 0)).map((r) => r.value?.toString())).toEqual(['forged']);
  });

  it('keeps the state with an expiry time and forgets it once idle past the expiry', async () => {
    let clock = Date.now();
    const cluster = newCluster({ log: { now: () => clock } });
    const topic = await newTopic(cluster, 1, 'idem-expiry');
    const id = uniqueName('p');
    await cluster.log.append(topic, [textRecord('a'), textRecord('b')], { id, sequenceFor: () => 0 });

    const { dynamodb } = createAwsClients(cluster.config);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: cluster.config.metaTable }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: META_TABLE_TTL_ATTRIBUTE,
    });
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: cluster.config.metaTable,
        Key: { pk: { S: `producer#${id}` }, sk: { S: `${topic.id}#0` } },
        ConsistentRead: true,
      }),
    );
    expect(Number(Item?.[META_TABLE_TTL_ATTRIBUTE]?.N)).toBe(
      Math.floor((clock + PRODUCER_STATE_EXPIRY_MS) / 1000),
    );

    // Before the expiry the state holds (sequence 0 is taken); once past it (the item not yet
    // deleted by the table's TTL) the state is gone: the id starts again at 0, 2 is out of order.
    clock += PRODUCER_STATE_EXPIRY_MS - 60_000;
    await expect(cluster.log.append(topic, [textRecord('x')], { id, sequenceFor: () => 0 })).rejects.toThrow(
      OutOfOrderSequenceError,
    );
    clock += PRODUCER_STATE_EXPIRY_MS + 60_000;
    await expect(cluster.log.append(topic, [textRecord('y')], { id, sequenceFor: () => 2 })).rejects.toThrow(
      OutOfOrderSequenceError,
    );
    const fresh = await cluster.log.append(topic, [textRecord('c')], { id, sequenceFor: () => 0 });
    expect(fresh[0].ok && fresh[0].offset).toBe(2);
    expect((await readAll(cluster, topic, 0)).map((r) => r.value?.toString())).toEqual(['a', 'b', 'c']);
    dynamodb.destroy();
  });
});
