import { describeEachSlotStorage, newCluster, newTopic, readAll, textRecord } from './support/core';

describeEachSlotStorage('concurrent appends to one partition', () => {
  it('gives 8 independent appenders unique, gapless offsets with each request contiguous and in order', async () => {
    const admin = newCluster();
    const topic = await newTopic(admin, 1, 'race');
    const appenders = 8;
    const requestsEach = 13;
    const recordsPerRequest = 5; // 8 × 13 × 5 = 520 records

    // Separate clusters = separate warm processes, each with its own SDK clients.
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
