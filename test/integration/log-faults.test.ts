import type { Cluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createHttpApi } from '../../shared/http/router';
import { createAwsClients } from '../../shared/storage/aws';
import type { Topic } from '../../shared/topics/registry';
import { type FaultRule, injectFaults, seededRandom } from '../support/faults';
import { AppendHistory } from '../support/history';
import { runKilledWriter } from '../support/killed-writer';
import { destroyClients } from '../support/local-aws';
import {
  describeEachSlotStorage,
  httpClient,
  newCluster,
  newTopic,
  readAll,
  textRecord,
} from './support/core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short timings so holes are voided within a test; the grace must exceed the deadline. */
const FAST = { commitDeadlineMs: 3_000, holeGraceMs: 4_500 };

/** Reads until every reserved range is settled (or gives up): the readable end reaches the sequencer. */
async function settle(cluster: Cluster, topic: Topic): Promise<{ readableEnd: number; nextOffset: number }> {
  for (let round = 0; ; round++) {
    const { logEndOffset } = await cluster.log.offsets(topic, 0);
    const { sequencer } = await cluster.index.tail(topic.id, 0, 1);
    const nextOffset = sequencer?.nextOffset ?? 0;
    if (logEndOffset === nextOffset || round === 5) return { readableEnd: logEndOffset, nextOffset };
  }
}

/** Produces one STRING record through the HTTP API and records the answer. */
async function produceOne(
  call: ReturnType<typeof httpClient>,
  history: AppendHistory,
  topic: Topic,
  value: string,
): Promise<number> {
  const attempt = history.begin([value]);
  const response = await call('POST', `/v3/clusters/local/topics/${topic.name}/records`, {
    partition_id: 0,
    value: { type: 'STRING', data: value },
  });
  if (response.status === 200) history.answer(attempt, { kind: 'ok', offsets: [response.body.offset] });
  else {
    history.answer(attempt, {
      kind: 'failed',
      status: response.status,
      errorCode: response.body?.error_code,
      message: response.text,
    });
  }
  return response.status;
}

function expectOnlyAcksAndRetriables(history: AppendHistory): void {
  for (const { answer } of history.attempts) {
    if (answer.kind === 'failed')
      expect({ status: answer.status, errorCode: answer.errorCode }).toEqual({
        status: 503,
        errorCode: 50003,
      });
    else expect(answer.kind).toBe('ok');
  }
}

describeEachSlotStorage('faults injected into the real SDK clients', () => {
  it('throttling, 5xx, S3 SlowDown and lost responses: every answer is an ack or 503/50003, nothing acked is lost, holes are voided', async () => {
    const rules: FaultRule[] = [
      { service: 'DynamoDB', command: 'UpdateItem', kind: 'throttle', probability: 0.2 },
      { service: 'DynamoDB', command: 'UpdateItem', kind: 'lose-response', probability: 0.1 },
      { service: 'DynamoDB', command: 'PutItem', kind: 'server-error', probability: 0.2 },
      { service: 'DynamoDB', command: 'PutItem', kind: 'lose-response', probability: 0.1 },
      { service: 'S3', command: 'PutObject', kind: 'slow-down', probability: 0.2 },
      { service: 'S3', command: 'PutObject', kind: 'lose-response', probability: 0.1 },
    ];
    const clients = createAwsClients(configFromEnv());
    const faults = injectFaults(clients, rules, seededRandom(42));
    const faulty = newCluster({ clients, log: FAST });
    const call = httpClient(createHttpApi(faulty));
    const topic = await newTopic(newCluster(), 1, 'faults');
    const history = new AppendHistory();

    await Promise.all(
      Array.from({ length: 12 }, async (_, p) => {
        for (let i = 0; i < 10; i++) await produceOne(call, history, topic, `p${p}-${i}`);
      }),
    );
    // A storm: every reservation throttled until the SDK gives up.
    faults.rules = [{ service: 'DynamoDB', command: 'UpdateItem', kind: 'throttle', probability: 1 }];
    const stormStatuses = await Promise.all(
      [0, 1, 2].map((i) => produceOne(call, history, topic, `storm-${i}`)),
    );
    faults.rules = [];
    expect(stormStatuses).toEqual([503, 503, 503]);
    expect([...faults.counts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
    expectOnlyAcksAndRetriables(history);

    await sleep(FAST.holeGraceMs + 300);
    const reader = newCluster({ log: FAST });
    const { readableEnd, nextOffset } = await settle(reader, topic);
    expect(readableEnd).toBe(nextOffset);
    const read = await readAll(reader, topic, 0);
    expect(history.check(read, { readableEnd })).toEqual([]);
    // Enough got through for the check to mean something (the rest were answered 503).
    expect(history.tally().ok).toBeGreaterThan(history.attempts.length / 2);
    destroyClients(clients);
    reader.close();
  });

  it('a response lost after every successful write: the retry finds its own write, so no duplicate and no hole', async () => {
    const clients = createAwsClients(configFromEnv());
    const faulty = newCluster({ clients, log: FAST });
    const lost = injectFaults(
      clients,
      ['UpdateItem', 'PutItem'].map(
        (command): FaultRule => ({ service: 'DynamoDB', command, kind: 'lose-response', probability: 0.5 }),
      ),
      seededRandom(7),
    );
    const topic = await newTopic(faulty, 1, 'lost-responses');
    const history = new AppendHistory();
    for (let i = 0; i < 20; i++) {
      const attempt = history.begin([`v${i}`]);
      const [result] = await faulty.log.append(topic, [textRecord(`v${i}`, null, 0)]);
      history.answer(
        attempt,
        result.ok
          ? { kind: 'ok', offsets: [result.offset] }
          : { kind: 'failed', message: result.error.message },
      );
    }
    expect([...lost.counts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    expect(history.tally()).toEqual({ ok: 20, failed: 0, unknown: 0 });
    const offsets = history.attempts.map((a) => (a.answer.kind === 'ok' ? a.answer.offsets[0] : -1));
    expect(offsets).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const read = await readAll(faulty, topic, 0);
    expect(history.check(read, { readableEnd: 20 })).toEqual([]);
    destroyClients(clients);
  });
});

describeEachSlotStorage('a writer process killed with SIGKILL', () => {
  it('between reservation and slot write: nothing acked, readers wait at the hole, then it is voided within the grace period', async () => {
    const cluster = newCluster({ log: FAST });
    const topic = await newTopic(cluster, 1, 'sigkill-reserved');
    const history = new AppendHistory();
    const first = history.begin(['before']);
    const [before] = await cluster.log.append(topic, [textRecord('before', null, 0)]);
    history.answer(first, { kind: 'ok', offsets: [before.ok ? before.offset : -1] });

    history.begin(['killed']); // never answered
    expect(await runKilledWriter(topic.name, 'after-reserve', 'killed')).toBe('SIGKILL');
    const after = history.begin(['after']);
    const [next] = await cluster.log.append(topic, [textRecord('after', null, 0)]);
    history.answer(after, { kind: 'ok', offsets: [next.ok ? next.offset : -1] });
    expect(next).toMatchObject({ ok: true, offset: 2 });
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 1 });

    await sleep(FAST.holeGraceMs + 300);
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 3 });
    const read = await readAll(cluster, topic, 0);
    expect(read.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [0, 'before'],
      [2, 'after'],
    ]);
    expect(history.check(read, { readableEnd: 3 })).toEqual([]);
  });

  it('between slot write and answer: the unacknowledged record is durable, exactly once, and nothing is left open', async () => {
    const cluster = newCluster({ log: FAST });
    const topic = await newTopic(cluster, 1, 'sigkill-committed');
    const history = new AppendHistory();
    history.begin(['killed']);
    expect(await runKilledWriter(topic.name, 'after-commit', 'killed')).toBe('SIGKILL');
    const after = history.begin(['after']);
    const [next] = await cluster.log.append(topic, [textRecord('after', null, 0)]);
    history.answer(after, { kind: 'ok', offsets: [next.ok ? next.offset : -1] });
    expect(await cluster.log.offsets(topic, 0)).toEqual({ logStartOffset: 0, logEndOffset: 2 });
    const read = await readAll(cluster, topic, 0);
    expect(read.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [0, 'killed'],
      [1, 'after'],
    ]);
    expect(history.check(read, { readableEnd: 2 })).toEqual([]);
  });
});
