import type { Cluster } from '../../shared/cluster';
import type { KafkaEvent } from '../../shared/poller';
import { createStreamTrigger } from '../../shared/poller/stream-trigger';
import { AwsRequestCounter } from '../../shared/storage/aws';
import type { Topic } from '../../shared/topics/registry';
import { silentLogger, testGroupName, testPoller, waitFor } from '../support/groups';
import { newCluster, newS3Cluster, newTopic } from './support/core';

/** The large shape of the 1 MB/s workload: one produce request of 2,000 records of 1 KB. */
const SECTION_RECORDS = 2_000;
const BATCH = 100;

async function produceSection(cluster: Cluster, topic: Topic, count: number, partition = 0): Promise<number> {
  const results = await cluster.log.append(
    topic,
    Array.from({ length: count }, (_, i) => ({
      partition,
      key: null,
      value: Buffer.alloc(1_000, `r${i}-`),
      headers: [],
      timestamp: Date.now(),
    })),
  );
  if (!results.every((r) => r.ok)) throw new Error('produce failed');
  return results.length;
}

/** Offsets of every record the handler got, one list per invocation. */
function batchesOf() {
  const batches: number[][] = [];
  return {
    batches,
    handler: async (event: KafkaEvent) => {
      batches.push(Object.values(event.records).flatMap((records) => records.map((r) => r.offset)));
    },
    offsets: () => batches.flat(),
  };
}

const inOrder = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('a section read once, its batches cut from memory', () => {
  it('log reader: 20 fetches of 100 records from one 2,000-record section cost 1 query and 1 GET, with the answers of plain fetches', async () => {
    const counter = new AwsRequestCounter();
    const counted = newS3Cluster({ counter });
    const plain = newS3Cluster();
    try {
      const topic = await newTopic(plain, 1, 'reader');
      await produceSection(plain, topic, SECTION_RECORDS);
      const reader = counted.log.reader();
      counter.reset();
      const answers = [];
      for (let offset = 0; offset < SECTION_RECORDS; offset += BATCH) {
        answers.push(await reader.fetch({ topic, partition: 0, offset, maxRecords: BATCH }));
      }
      expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 1, 'S3.GetObject': 1 });
      for (const [i, answer] of answers.entries()) {
        const expected = await plain.log.fetch({ topic, partition: 0, offset: i * BATCH, maxRecords: BATCH });
        expect(answer).toEqual(expected);
      }
    } finally {
      counted.close();
      plain.close();
    }
  });

  it('log reader: a fetch reaching into the next section reads the log again and GETs only the new section', async () => {
    const counter = new AwsRequestCounter();
    const counted = newS3Cluster({ counter });
    try {
      const topic = await newTopic(counted, 1, 'reader-next');
      await produceSection(counted, topic, 150);
      await produceSection(counted, topic, 150);
      const reader = counted.log.reader();
      const costs: Record<string, number>[] = [];
      const offsets: number[] = [];
      for (let offset = 0; offset < 300; ) {
        counter.reset();
        const answer = await reader.fetch({ topic, partition: 0, offset, maxRecords: BATCH });
        costs.push(counter.snapshot());
        offsets.push(...answer.records.map((r) => r.offset));
        offset = answer.nextOffset;
      }
      expect(offsets).toEqual(inOrder(300));
      expect(costs).toEqual([
        { 'DynamoDB.Query': 1, 'S3.GetObject': 1 }, // 0-99 from the first section
        { 'DynamoDB.Query': 1, 'S3.GetObject': 1 }, // 100-199: the first section kept, the second read
        {}, // 200-299 from memory
      ]);
    } finally {
      counted.close();
    }
  });

  it('log reader: keeps no more than its byte cap (a larger section is read again per fetch)', async () => {
    const counter = new AwsRequestCounter();
    const counted = newS3Cluster({ counter });
    try {
      const topic = await newTopic(counted, 1, 'reader-cap');
      await produceSection(counted, topic, 300);
      const small = counted.log.reader({ keepBytes: 100_000 }); // below the section's ~300 KB
      counter.reset();
      for (let offset = 0; offset < 300; offset += BATCH) {
        await small.fetch({ topic, partition: 0, offset, maxRecords: BATCH });
      }
      expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 3, 'S3.GetObject': 3 });
    } finally {
      counted.close();
    }
  });

  it('stream trigger: drains a 2,000-record section in 20 batches with 1 GET, 1 log read (and the sequencer read after the release) and 2 writes', async () => {
    const counter = new AwsRequestCounter();
    const counted = newS3Cluster({ counter });
    try {
      const topic = await newTopic(counted, 1, 'section-stream');
      const group = testGroupName('section-stream');
      const seen = batchesOf();
      const trigger = createStreamTrigger({
        cluster: counted,
        group,
        topics: [topic.name],
        logger: silentLogger,
        batchSize: BATCH,
        handler: seen.handler,
      });
      await produceSection(counted, topic, 1);
      await trigger.drain([{ topicId: topic.id, partition: 0 }]); // registers the group, finds its start
      await produceSection(counted, topic, SECTION_RECORDS);
      seen.batches.length = 0;
      counter.reset();
      const summary = await trigger.drain([{ topicId: topic.id, partition: 0 }]);
      expect(summary.committedRecords).toBe(SECTION_RECORDS);
      expect(seen.batches.map((b) => b.length)).toEqual(Array(20).fill(BATCH));
      expect(seen.offsets()).toEqual(inOrder(SECTION_RECORDS).map((o) => o + 1));
      // The group read, one log read, the section's GET; the lease taken and released with the
      // commit; the read of the sequencer after the release (a trigger is never spent).
      expect(counter.snapshot()).toEqual({
        'DynamoDB.Query': 3,
        'DynamoDB.UpdateItem': 2,
        'S3.GetObject': 1,
      });
    } finally {
      counted.close();
    }
  });

  it('poller: delivers a 2,000-record section in 20 batches with 1 GET and one commit, once it caught up', async () => {
    const counter = new AwsRequestCounter();
    const counted = newS3Cluster({ counter });
    const observer = newCluster();
    try {
      const topic = await newTopic(counted, 1, 'section-poller');
      const group = testGroupName('section-poller');
      const seen = batchesOf();
      const commits: number[] = [];
      const poller = testPoller(counted, topic, group, {
        batchSize: BATCH,
        // Neither the commit interval nor the lease's renewal comes due during the section.
        commitIntervalMs: 60_000,
        leaseDurationMs: 120_000,
        handler: seen.handler,
        observer: { onCommitted: (c) => commits.push(c.offset) },
      });
      const running = poller.run();
      try {
        await produceSection(observer, topic, 1);
        await waitFor(() => commits.includes(1), 'the first record committed');
        seen.batches.length = 0;
        commits.length = 0;
        counter.reset();
        await produceSection(observer, topic, SECTION_RECORDS);
        await waitFor(() => commits.includes(SECTION_RECORDS + 1), 'the section committed');
      } finally {
        await poller.stop();
        await running;
      }
      expect(seen.batches.map((b) => b.length)).toEqual(Array(20).fill(BATCH));
      expect(seen.offsets()).toEqual(inOrder(SECTION_RECORDS).map((o) => o + 1));
      // Behind until its last batch, the poller writes its commit once it reached the readable
      // end its one read saw (docs/consumer-groups.md, "When a commit is written").
      expect(commits).toEqual([1 + SECTION_RECORDS]);
      expect(counter.count('S3.GetObject')).toBe(1);
    } finally {
      counted.close();
      observer.close();
    }
  });
});
