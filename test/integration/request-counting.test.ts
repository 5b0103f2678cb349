import { AwsRequestCounter } from '../../shared/storage/aws';
import { newCluster, newS3Cluster, newTopic, textRecord } from './support/core';

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem'];
const READS = ['Query', 'GetItem', 'Scan', 'BatchGetItem'];

function dynamo(counter: AwsRequestCounter, commands: string[]): number {
  return commands.reduce((sum, command) => sum + counter.count(`DynamoDB.${command}`), 0);
}

describe('AWS requests per operation', () => {
  // The tests below that count S3 calls store every section in S3 (threshold 0); the inline
  // slots' own counts follow them.
  it('spends 1 S3 PUT, 2 DynamoDB writes (reserve, commit) and no reads on a warm single-partition produce', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newS3Cluster({ counter });
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
    expect(counter.snapshot()).toEqual({
      'DynamoDB.PutItem': 1,
      'DynamoDB.UpdateItem': 1,
      'S3.PutObject': 1,
    });

    // The same holds through the topic lookup the HTTP path does on every request.
    counter.reset();
    await cluster.log.append(await cluster.topics.get(topic.name), [textRecord('d', 'some-key')]);
    expect(counter.snapshot()).toEqual({
      'DynamoDB.PutItem': 1,
      'DynamoDB.UpdateItem': 1,
      'S3.PutObject': 1,
    });
  });

  it('spends 1 write more and no read with a producer id on the writer that appended its last batch (the claim); a cold writer reads the state and the previous batch first', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newS3Cluster({ counter });
    const topic = await newTopic(cluster, 1, 'count-idem');
    const id = `p-${topic.id}`;

    await cluster.log.append(topic, [textRecord('warm-up')]); // the partition's sequencer

    // The producer's first batch: its state read (none yet, so no previous batch to read).
    counter.reset();
    await cluster.log.append(topic, [textRecord('first')], { id, sequenceFor: () => 0 });
    expect(counter.snapshot()).toEqual({
      'DynamoDB.GetItem': 1,
      'DynamoDB.UpdateItem': 1,
      'DynamoDB.PutItem': 2,
      'S3.PutObject': 1,
    });

    // The same warm writer: it claimed and committed batch 0 itself, so it knows the state and
    // that batch 0 is in the log. Reserve; claim the state; put the slot.
    counter.reset();
    const results = await cluster.log.append(topic, [textRecord('a'), textRecord('b')], {
      id,
      sequenceFor: () => 1,
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(counter.snapshot()).toEqual({
      'DynamoDB.UpdateItem': 1,
      'DynamoDB.PutItem': 2,
      'S3.PutObject': 1,
    });
    expect(dynamo(counter, READS)).toBe(0);

    // Another writer (a cold process): read the state and the slot of the batch it names;
    // reserve; claim the state; put the slot. The digest is in the same producer item.
    counter.reset();
    const cold = await newS3Cluster({ counter }).log.append(topic, [textRecord('c')], {
      id,
      sequenceFor: () => 3,
    });
    expect(cold[0]).toMatchObject({ ok: true, offset: 4 });
    expect(counter.snapshot()).toEqual({
      'DynamoDB.GetItem': 1,
      'DynamoDB.Query': 1,
      'DynamoDB.UpdateItem': 1,
      'DynamoDB.PutItem': 2,
      'S3.PutObject': 1,
    });
  });

  it('costs the same per produce with 16 writers racing on one partition as with one', async () => {
    const counter = new AwsRequestCounter();
    const admin = newCluster();
    const topic = await newTopic(admin, 1, 'count-race');
    const writers = Array.from({ length: 16 }, () => newS3Cluster({ counter }));
    await Promise.all(writers.map((w) => w.log.append(topic, [textRecord('warm-up')])));

    counter.reset();
    const perWriter = 5;
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let i = 0; i < perWriter; i++) {
          const [result] = await writer.log.append(topic, [textRecord(`w${w}-${i}`)]);
          expect(result.ok).toBe(true);
        }
      }),
    );
    const requests = writers.length * perWriter;
    expect(counter.count('S3.PutObject')).toBe(requests);
    expect(dynamo(counter, WRITES)).toBe(2 * requests);
    expect(dynamo(counter, READS)).toBe(0);
  });

  it('writes one S3 object for a request that spans several partitions', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newS3Cluster({ counter });
    const topic = await newTopic(cluster, 3, 'count-multi');
    for (let p = 0; p < 3; p++) await cluster.log.append(topic, [textRecord('warm', null, p)]);
    counter.reset();
    await cluster.log.append(topic, [
      textRecord('a', null, 0),
      textRecord('b', null, 1),
      textRecord('c', null, 2),
    ]);
    expect(counter.snapshot()).toEqual({
      'DynamoDB.PutItem': 3,
      'DynamoDB.UpdateItem': 3,
      'S3.PutObject': 1,
    });
  });

  it('fetches one section with at most 2 DynamoDB reads and 1 ranged GET, whatever the history length', async () => {
    async function fetchCost(history: number) {
      const counter = new AwsRequestCounter();
      const cluster = newS3Cluster({ counter });
      const topic = await newTopic(cluster, 1, 'count-fetch');
      for (let i = 0; i < history; i++)
        await cluster.log.append(topic, [textRecord(`r${i}-a`), textRecord(`r${i}-b`)]);
      // A consumer reads the partition's offsets when it starts (and a reader persists the
      // readable hint once it walked past many new slots), then fetches.
      await cluster.log.offsets(topic, 0);
      const costs: Record<string, number>[] = [];
      for (const offset of [0, history, 2 * history - 2]) {
        counter.reset();
        const result = await cluster.log.fetch({ topic, partition: 0, offset, maxRecords: 2 });
        expect(result.records.map((r) => r.offset)).toEqual([offset, offset + 1]);
        costs.push(counter.snapshot());
      }
      return costs;
    }
    const short = await fetchCost(6);
    const long = await fetchCost(300);
    // A short log fits in the first query; a long one needs one more, never more than that.
    expect(short).toEqual([1, 1, 1].map((q) => ({ 'DynamoDB.Query': q, 'S3.GetObject': 1 })));
    expect(long).toEqual([2, 2, 1].map((q) => ({ 'DynamoDB.Query': q, 'S3.GetObject': 1 })));
    for (const cost of [...short, ...long]) {
      expect(cost['S3.GetObject']).toBe(1);
      expect(cost['DynamoDB.Query']).toBeLessThanOrEqual(2);
      expect(Object.keys(cost).sort()).toEqual(['DynamoDB.Query', 'S3.GetObject']);
    }
    // Near the end of the log, the one query that finds the end also finds the section.
    expect(long[2]).toEqual({ 'DynamoDB.Query': 1, 'S3.GetObject': 1 });
  });

  it('spends no S3 request and 2 DynamoDB writes on a warm produce whose sections fit inline', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newCluster({ counter });
    const topic = await newTopic(cluster, 3, 'count-inline');
    for (let p = 0; p < 3; p++) await cluster.log.append(topic, [textRecord('warm', null, p)]);

    counter.reset();
    await cluster.log.append(topic, [textRecord('a', null, 1), textRecord('b', null, 1)]);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.PutItem': 1, 'DynamoDB.UpdateItem': 1 });

    // Per partition touched: its reservation and its slot, and still no object.
    counter.reset();
    await cluster.log.append(topic, [
      textRecord('a', null, 0),
      textRecord('b', null, 1),
      textRecord('c', null, 2),
    ]);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.PutItem': 3, 'DynamoDB.UpdateItem': 3 });

    // An idempotent producer on the writer that appended its last batch: the reservation, the
    // claim of its state, the slot put — no read, no transaction.
    const id = `p-${topic.id}`;
    await cluster.log.append(topic, [textRecord('warm-up', null, 0)], { id, sequenceFor: () => 0 });
    counter.reset();
    await cluster.log.append(topic, [textRecord('x', null, 0)], { id, sequenceFor: () => 1 });
    expect(counter.snapshot()).toEqual({ 'DynamoDB.UpdateItem': 1, 'DynamoDB.PutItem': 2 });

    // On a cold writer: its state and its previous batch's slot read first.
    counter.reset();
    await newCluster({ counter }).log.append(topic, [textRecord('y', null, 0)], { id, sequenceFor: () => 2 });
    expect(counter.snapshot()).toEqual({
      'DynamoDB.GetItem': 1,
      'DynamoDB.Query': 1,
      'DynamoDB.UpdateItem': 1,
      'DynamoDB.PutItem': 2,
    });
  });

  it('sends the whole request to one S3 object when any of its sections is over the threshold', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newCluster({ counter, log: { inlineSectionMaxBytes: 512 } });
    const topic = await newTopic(cluster, 2, 'count-mixed');
    for (let p = 0; p < 2; p++) await cluster.log.append(topic, [textRecord('warm', null, p)]);

    counter.reset();
    await cluster.log.append(topic, [textRecord('small', null, 0), textRecord('x'.repeat(600), null, 1)]);
    expect(counter.snapshot()).toEqual({
      'DynamoDB.PutItem': 2,
      'DynamoDB.UpdateItem': 2,
      'S3.PutObject': 1,
    });
    const [small] = (await cluster.index.slotsAfter(topic.id, 0, 1, 1)).slots;
    expect(small).toMatchObject({ kind: 'data', segmentKey: expect.any(String) });
  });

  it('fetches inline sections with DynamoDB reads only, at most 2, whatever the history length', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newCluster({ counter });
    const topic = await newTopic(cluster, 1, 'count-fetch-inline');
    const history = 300;
    for (let i = 0; i < history; i++)
      await cluster.log.append(topic, [textRecord(`r${i}-a`), textRecord(`r${i}-b`)]);
    await cluster.log.offsets(topic, 0);
    const costs: Record<string, number>[] = [];
    for (const offset of [0, history, 2 * history - 2]) {
      counter.reset();
      const result = await cluster.log.fetch({ topic, partition: 0, offset, maxRecords: 2 });
      expect(result.records.map((r) => r.offset)).toEqual([offset, offset + 1]);
      costs.push(counter.snapshot());
    }
    expect(costs).toEqual([2, 2, 1].map((q) => ({ 'DynamoDB.Query': q })));
  });

  it('keeps a poll at the end cheap in capacity units when the newest slots carry their records', async () => {
    const counter = new AwsRequestCounter({ capacity: true });
    const cluster = newCluster({ counter });
    const topic = await newTopic(cluster, 1, 'count-poll-units');
    const kilobyte = 'k'.repeat(1024);
    for (let i = 0; i < 80; i++) await cluster.log.append(topic, [textRecord(kilobyte)]);
    await cluster.log.offsets(topic, 0);
    counter.reset();
    const result = await cluster.log.fetch({ topic, partition: 0, offset: 80 });
    expect(result.records).toEqual([]);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 1 });
    // The sequencer and 8 slots of about 1.2 KB, read consistently in 4 KB units; a page of
    // 64 such slots cost 18.
    expect(counter.capacityUnits()).toEqual({ read: 3, write: 0 });

    // A consumer far behind asks for one record: the forward query reads one slot, not a page of 32.
    counter.reset();
    const behind = await cluster.log.fetch({ topic, partition: 0, offset: 10, maxRecords: 1 });
    expect(behind.records.map((r) => r.offset)).toEqual([10]);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 2 });
    expect(counter.capacityUnits()).toEqual({ read: 4, write: 0 });
  });

  it('asks whether anything became readable past an offset with one read unit of the sequencer when nothing was reserved there', async () => {
    const counter = new AwsRequestCounter({ capacity: true });
    const cluster = newCluster({ counter });
    const topic = await newTopic(cluster, 1, 'count-end-above');
    const kilobyte = 'k'.repeat(1024);
    for (let i = 0; i < 10; i++) await cluster.log.append(topic, [textRecord(kilobyte)]);
    await cluster.log.offsets(topic, 0);

    counter.reset();
    expect(await cluster.log.readableEndAbove(topic, 0, 10)).toBeUndefined();
    expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 1 });
    // The sequencer alone, whatever the slots below it carry; the page of 8 slots costs 3.
    expect(counter.capacityUnits()).toEqual({ read: 1, write: 0 });

    // Something was reserved past it: the readable end is read as a fetch reads it.
    await cluster.log.append(topic, [textRecord(kilobyte)]);
    counter.reset();
    expect(await cluster.log.readableEndAbove(topic, 0, 10)).toBe(11);
    expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 2 });
    expect(counter.capacityUnits()).toEqual({ read: 4, write: 0 });
  });

  it("spends 4 write units and no read unit on a warm writer's idempotent append of one 1 KB record inline (2 read units more on a cold writer; a transaction cost 7)", async () => {
    const counter = new AwsRequestCounter({ capacity: true });
    const cluster = newCluster({ counter });
    const topic = await newTopic(cluster, 1, 'count-idem-units');
    const kilobyte = 'k'.repeat(1024);
    const id = `p-${topic.id}`;
    await cluster.log.append(topic, [textRecord(kilobyte)], { id, sequenceFor: () => 0 });
    counter.reset();
    const [result] = await cluster.log.append(topic, [textRecord(kilobyte)], { id, sequenceFor: () => 1 });
    expect(result).toMatchObject({ ok: true, offset: 1 });
    expect(counter.snapshot()).toEqual({ 'DynamoDB.PutItem': 2, 'DynamoDB.UpdateItem': 1 });
    // The reservation 1, the claim 1, the slot of about 1.2 KB 2; nothing read.
    expect(counter.capacityUnitsByCommand()).toEqual({ PutItem: 3, UpdateItem: 1 });
    expect(counter.capacityUnits()).toEqual({ read: 0, write: 4 });

    // A cold writer reads the state and the previous slot consistently first, 1 unit each.
    counter.reset();
    const [coldResult] = await newCluster({ counter }).log.append(topic, [textRecord(kilobyte)], {
      id,
      sequenceFor: () => 2,
    });
    expect(coldResult).toMatchObject({ ok: true, offset: 2 });
    expect(counter.capacityUnitsByCommand()).toEqual({ GetItem: 1, PutItem: 3, Query: 1, UpdateItem: 1 });
    expect(counter.capacityUnits()).toEqual({ read: 2, write: 4 });
  });

  it('answers a poll at the end of the log with one read and nothing else', async () => {
    const counter = new AwsRequestCounter();
    const cluster = newCluster({ counter });
    const topic = await newTopic(cluster, 1, 'count-poll');
    for (let i = 0; i < 40; i++) await cluster.log.append(topic, [textRecord(`r${i}`)]);
    await cluster.log.offsets(topic, 0);
    counter.reset();
    const result = await cluster.log.fetch({ topic, partition: 0, offset: 40 });
    expect(result).toMatchObject({ records: [], nextOffset: 40, logEndOffset: 40 });
    expect(counter.snapshot()).toEqual({ 'DynamoDB.Query': 1 });
  });
});
