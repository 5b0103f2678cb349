import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { LogIndex } from '../../shared/storage/log-index';
import type { SegmentStore } from '../../shared/storage/segment-store';
import { newCluster, newTopic, readAll, textRecord } from './support/core';

class InjectedCrash extends Error {}

/** A process that dies right after its S3 PUT: the object is written, the commit never runs. */
function crashAfterPut(store: SegmentStore, armed: { crash: boolean }): SegmentStore {
  return {
    ...store,
    async put(key, bytes) {
      await store.put(key, bytes);
      if (armed.crash) throw new InjectedCrash('crashed between the S3 PUT and the commit');
    },
  };
}

/** A process that dies right after its commit: durable, but the client never hears so. */
function crashAfterCommit(index: LogIndex, armed: { crash: boolean }): LogIndex {
  return {
    ...index,
    async commit(entry, guard) {
      const outcome = await index.commit(entry, guard);
      if (armed.crash) throw new InjectedCrash('crashed between the commit and the response');
      return outcome;
    },
  };
}

async function segmentObjects(cluster: ReturnType<typeof newCluster>, topicId: string): Promise<number> {
  const listing = await cluster.clients.s3.send(
    new ListObjectsV2Command({ Bucket: cluster.config.bucket, Prefix: `segments/${topicId}/` }),
  );
  return listing.KeyCount ?? 0;
}

describe('a crash in the middle of a produce', () => {
  it('between the S3 PUT and the commit: nothing is acknowledged, the orphan is invisible, the retry lands with no gap', async () => {
    const armed = { crash: false };
    const cluster = newCluster({ wrapSegments: (store) => crashAfterPut(store, armed) });
    const topic = await newTopic(cluster, 1, 'crash-put');
    const before = await cluster.log.append(topic, [textRecord('a'), textRecord('b')]);
    expect(before.map((r) => r.ok && r.offset)).toEqual([0, 1]);

    armed.crash = true;
    await expect(cluster.log.append(topic, [textRecord('lost-1'), textRecord('lost-2')])).rejects.toThrow(
      InjectedCrash,
    );
    expect(await segmentObjects(cluster, topic.id)).toBe(2); // the orphan is there…
    expect((await readAll(cluster, topic, 0)).map((r) => r.value?.toString())).toEqual(['a', 'b']); // …but unseen

    armed.crash = false;
    const retried = await newCluster().log.append(topic, [textRecord('lost-1'), textRecord('lost-2')]);
    expect(retried.map((r) => r.ok && r.offset)).toEqual([2, 3]);
    const stored = await readAll(cluster, topic, 0);
    expect(stored.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'lost-1'],
      [3, 'lost-2'],
    ]);
  });

  it('between the commit and the response: the records are kept, and an idempotent retry gets the same offsets without appending twice', async () => {
    const armed = { crash: false };
    const cluster = newCluster({ wrapIndex: (index) => crashAfterCommit(index, armed) });
    const topic = await newTopic(cluster, 1, 'crash-commit');
    const producer = { id: 'crash-producer', sequenceFor: () => 0 };

    armed.crash = true;
    await expect(cluster.log.append(topic, [textRecord('x'), textRecord('y')], producer)).rejects.toThrow(
      InjectedCrash,
    );
    armed.crash = false;

    // The client retries the identical request against another (fresh) process.
    const retried = await newCluster().log.append(topic, [textRecord('x'), textRecord('y')], producer);
    expect(retried.map((r) => r.ok && r.offset)).toEqual([0, 1]);
    const stored = await readAll(cluster, topic, 0);
    expect(stored.map((r) => r.value?.toString())).toEqual(['x', 'y']);
  });

  it('between the commit and the response without idempotence: nothing is lost and offsets stay gapless (at-least-once)', async () => {
    const armed = { crash: false };
    const cluster = newCluster({ wrapIndex: (index) => crashAfterCommit(index, armed) });
    const topic = await newTopic(cluster, 1, 'crash-commit-plain');
    armed.crash = true;
    await expect(cluster.log.append(topic, [textRecord('z')])).rejects.toThrow(InjectedCrash);
    armed.crash = false;
    const retried = await cluster.log.append(topic, [textRecord('z')]);
    expect(retried[0].ok && retried[0].offset).toBe(1);
    expect((await readAll(cluster, topic, 0)).map((r) => [r.offset, r.value?.toString()])).toEqual([
      [0, 'z'],
      [1, 'z'],
    ]);
  });
});
