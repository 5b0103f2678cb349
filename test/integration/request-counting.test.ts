import { AwsRequestCounter } from '../../shared/storage/aws';
import { newCluster, newTopic, textRecord } from './support/core';

describe('AWS requests per operation', () => {
  it('spends exactly 1 S3 PUT and 1 DynamoDB write, and no reads, on a warm single-partition produce', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newCluster({ counter });
    const topic = await newTopic(cluster, 4, 'count');
    await cluster.topics.get(topic.name);
    await cluster.log.append(topic, [textRecord('warm-up', null, 2)]);

    counter.reset();
    const results = await cluster.log.append(topic, [
      textRecord('a', null, 2),
      textRecord('b', null, 2),
      textRecord('c', null, 2),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.PutItem': 1, 'S3.PutObject': 1 });

    // The same holds through the topic lookup the HTTP path does on every request.
    counter.reset();
    await cluster.log.append(await cluster.topics.get(topic.name), [textRecord('d', 'some-key')]);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.PutItem': 1, 'S3.PutObject': 1 });
  });

  it('writes one S3 object for a request that spans several partitions', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newCluster({ counter });
    const topic = await newTopic(cluster, 3, 'count-multi');
    for (let p = 0; p < 3; p++) await cluster.log.append(topic, [textRecord('warm', null, p)]);
    counter.reset();
    await cluster.log.append(topic, [
      textRecord('a', null, 0),
      textRecord('b', null, 1),
      textRecord('c', null, 2),
    ]);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.PutItem': 3, 'S3.PutObject': 1 });
  });

  it('costs a fetch the same few queries and one ranged GET per segment, whatever the history length', async () => {
    async function fetchCost(history: number) {
      const counter = new AwsRequestCounter();
      const cluster = newCluster({ counter });
      const topic = await newTopic(cluster, 1, 'count-fetch');
      for (let i = 0; i < history; i++)
        await cluster.log.append(topic, [textRecord(`r${i}-a`), textRecord(`r${i}-b`)]);
      counter.reset();
      // Two records from the middle of the log, straddling two segments (two records each).
      const result = await cluster.log.fetch({ topic, partition: 0, offset: history - 1, maxRecords: 2 });
      expect(result.records.map((r) => r.value?.toString())).toEqual([
        `r${history / 2 - 1}-b`,
        `r${history / 2}-a`,
      ]);
      return counter.snapshot();
    }
    const short = await fetchCost(6);
    const long = await fetchCost(60);
    expect(long).toEqual(short);
    expect(short['S3.GetObject']).toBe(2);
    expect(short['DynamoDB.Query']).toBeLessThanOrEqual(4);
    expect(Object.keys(short).sort()).toEqual(['DynamoDB.Query', 'S3.GetObject']);
  });
});
