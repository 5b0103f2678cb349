import { OutOfOrderSequenceError } from '../../shared/errors';
import { newCluster, newTopic, readAll, textRecord, uniqueName } from './support/core';

describe('idempotent produce', () => {
  it('appends a retried batch once and answers the retry with the original offsets', async () => {
    const cluster = newCluster();
    const topic = await newTopic(cluster, 1, 'idem');
    const producer = { id: uniqueName('p'), sequenceFor: () => 0 };
    const first = await cluster.log.append(
      topic,
      [textRecord('a'), textRecord('b'), textRecord('c')],
      producer,
    );
    const retry = await newCluster().log.append(
      topic,
      [textRecord('a'), textRecord('b'), textRecord('c')],
      producer,
    );
    expect(retry).toEqual(first.map((r) => ({ ...r, timestamp: expect.any(Number) })));
    expect((await readAll(cluster, topic, 0)).length).toBe(3);

    const next = await cluster.log.append(topic, [textRecord('d')], { ...producer, sequenceFor: () => 3 });
    expect(next[0].ok && next[0].offset).toBe(3);
  });

  it('appends concurrent duplicates of one batch exactly once', async () => {
    const cluster = newCluster();
    const topic = await newTopic(cluster, 1, 'idem-race');
    const producer = { id: uniqueName('p'), sequenceFor: () => 0 };
    const attempts = await Promise.all(
      Array.from({ length: 4 }, () =>
        newCluster().log.append(topic, [textRecord('once'), textRecord('twice?')], producer),
      ),
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
});
