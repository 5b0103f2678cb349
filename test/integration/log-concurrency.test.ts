import { AwsRequestCounter } from '../../shared/storage/aws';
import { newCluster, newTopic, readAll, textRecord } from './support/core';

describe('concurrent appends to one partition', () => {
  it('gives 8 independent appenders unique, gapless offsets with each request contiguous and in order', async () => {
    const admin = newCluster();
    const topic = await newTopic(admin, 1, 'race');
    const appenders = 8;
    const requestsEach = 13;
    const recordsPerRequest = 5; // 8 × 13 × 5 = 520 records

    // Separate clusters = separate warm processes, each with its own (stale) head cache.
    const results = await Promise.all(
      Array.from({ length: appenders }, async (_, a) => {
        const cluster = newCluster();
        const mine: { request: string; offsets: number[] }[] = [];
        for (let r = 0; r < requestsEach; r++) {
          const request = `a${a}-r${r}`;
          const records = Array.from({ length: recordsPerRequest }, (_, i) =>
            textRecord(`${request}-${i}`, null, 0),
          );
          const outcome = await cluster.log.append(topic, records);
          mine.push({
            request,
            offsets: outcome.map((result) => {
              if (!result.ok) throw result.error;
              return result.offset;
            }),
          });
        }
        return mine;
      }),
    );

    const all = results.flat();
    const offsets = all.flatMap((r) => r.offsets).sort((x, y) => x - y);
    const total = appenders * requestsEach * recordsPerRequest;
    expect(offsets).toEqual(Array.from({ length: total }, (_, i) => i));
    for (const { offsets: mine } of all) {
      expect(mine).toEqual(Array.from({ length: recordsPerRequest }, (_, i) => mine[0] + i));
    }

    // What a reader sees agrees with every acknowledgement, record by record.
    const stored = await readAll(admin, topic, 0);
    expect(stored.map((record) => record.offset)).toEqual(offsets);
    for (const { request, offsets: mine } of all) {
      mine.forEach((offset, i) => {
        expect(stored[offset].value?.toString()).toBe(`${request}-${i}`);
      });
    }
  });

  it('keeps each partition gapless when one request spans many partitions', async () => {
    const cluster = newCluster();
    const topic = await newTopic(cluster, 4, 'spread');
    const writers = Array.from({ length: 4 }, () => newCluster());
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let r = 0; r < 5; r++) {
          const records = Array.from({ length: 12 }, (_, i) =>
            textRecord(`w${w}-r${r}-${i}`, `key-${w}-${r}-${i}`),
          );
          const results = await writer.log.append(topic, records);
          expect(results.every((result) => result.ok)).toBe(true);
        }
      }),
    );
    let total = 0;
    for (let partition = 0; partition < 4; partition++) {
      const stored = await readAll(cluster, topic, partition);
      expect(stored.map((record) => record.offset)).toEqual(stored.map((_, i) => i));
      total += stored.length;
    }
    expect(total).toBe(4 * 5 * 12);
  });
});

describe('a writer whose head cache is far behind', () => {
  it('catches up with a bounded number of attempts instead of stepping one batch at a time', async () => {
    const counter = new AwsRequestCounter();
    const stale = newCluster({ counter });
    const topic = await newTopic(stale, 1, 'stale');
    await stale.log.append(topic, [textRecord('first')]); // the stale writer's cache now says 1
    const busy = newCluster();
    for (let i = 0; i < 30; i++) await busy.log.append(topic, [textRecord(`busy-${i}`)]);

    counter.reset();
    const [result] = await stale.log.append(topic, [textRecord('late')]);
    expect(result.ok && result.offset).toBe(31);
    // Lose at 1, step to 2 and lose again, read the head, win: 3 writes and 1 query.
    expect(counter.snapshot()).toEqual({ 'DynamoDB.PutItem': 3, 'DynamoDB.Query': 1, 'S3.PutObject': 1 });
  });
});

describe('log offsets read while a first append lands', () => {
  it('reports the log start as 0, not the new end, when the partition was empty at the first read', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The start is read before the append and the end after it, as two parallel queries can.
    const reader = newCluster({
      wrapIndex: (index) => ({
        ...index,
        first: async (topicId, partition) => {
          const first = await index.first(topicId, partition);
          await gate;
          return first;
        },
        last: async (topicId, partition) => {
          await gate;
          return index.last(topicId, partition);
        },
      }),
    });
    const topic = await newTopic(reader, 1, 'first-append');
    const offsets = reader.log.offsets(topic, 0);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the start query run
    await newCluster().log.append(topic, [textRecord('a'), textRecord('b'), textRecord('c')]);
    release();
    expect(await offsets).toEqual({ logStartOffset: 0, logEndOffset: 3 });
  });
});
