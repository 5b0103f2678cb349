import { createPollerHandler, type PollerHandlerResult } from '../../functions/poller/handler';
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createHttpApi } from '../../shared/http/router';
import { createWaker, type WakeEvent, wakerFromEnv } from '../../shared/poller';
import { AwsRequestCounter } from '../../shared/storage/aws';
import {
  consumerEnv,
  createTestTopic,
  FAST_POLLER,
  silentLogger,
  testGroupName,
  waitFor,
} from '../support/groups';
import { checkedApi } from '../support/openapi';

const counter = new AwsRequestCounter();
const cluster = createCluster(configFromEnv(), { counter });
afterAll(() => cluster.close());

describe('wake-on-produce', () => {
  it('starts one poller when many producers hit an idle group at once', async () => {
    const group = testGroupName('wake');
    const calls: { functionName: string; payload: unknown }[] = [];
    const target = { group, topics: ['orders', 'refunds'], functionName: 'billing-poller' };
    const invoke = async (functionName: string, payload: unknown) => {
      calls.push({ functionName, payload });
    };
    // Five warm HTTP functions, each with its own cache, all producing to the group's topics.
    const wakers = Array.from({ length: 5 }, () => createWaker({ cluster, targets: [target], invoke }));
    for (const [i, wake] of wakers.entries()) wake(i % 2 === 0 ? 'orders' : 'refunds');
    wakers[0]('unrelated-topic');
    await Promise.all(wakers.map((w) => w.settled()));

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      functionName: 'billing-poller',
      payload: { source: 'sluice.wake', group },
    });
    const marker = await cluster.groups.readMarker(group);
    expect(marker?.owner).toBe((calls[0].payload as WakeEvent).token);
  });

  it('leaves a group alone while its poller keeps the marker fresh', async () => {
    const group = testGroupName('wake');
    await cluster.groups.refreshMarker(group, 'poller-running', Date.now() + 30_000);
    const calls: string[] = [];
    const wake = createWaker({
      cluster,
      targets: [{ group, topics: ['orders'], functionName: 'p' }],
      invoke: async (name) => {
        calls.push(name);
      },
    });
    wake('orders');
    await wake.settled();
    expect(calls).toEqual([]);
  });

  it('reads the marker at most once per second per group from a warm function', async () => {
    const group = testGroupName('wake');
    await cluster.groups.refreshMarker(group, 'poller-running', Date.now() + 30_000);
    let clock = Date.now();
    const wake = createWaker({
      cluster,
      targets: [{ group, topics: ['orders'], functionName: 'p' }],
      invoke: async () => {},
      now: () => clock,
    });
    counter.reset();
    for (let i = 0; i < 50; i++) wake('orders');
    await wake.settled();
    expect(counter.count('DynamoDB.GetItem')).toBe(1);
    clock += 1_000;
    wake('orders');
    await wake.settled();
    expect(counter.count('DynamoDB.GetItem')).toBe(2);
  });

  it('lets the next produce try again when the invoke fails', async () => {
    const group = testGroupName('wake');
    let clock = Date.now();
    let fail = true;
    const calls: string[] = [];
    const errors: unknown[] = [];
    const wake = createWaker({
      cluster,
      targets: [{ group, topics: ['orders'], functionName: 'p' }],
      invoke: async (name) => {
        calls.push(name);
        if (fail) throw new Error('throttled');
      },
      now: () => clock,
      onError: (error) => errors.push(error),
    });
    wake('orders');
    await wake.settled();
    fail = false;
    clock += 1_000;
    wake('orders');
    await wake.settled();
    expect(calls).toEqual(['p', 'p']);
    expect(errors).toHaveLength(1);
  });

  it('wakes the poller from a produce through the HTTP API, and the woken poller takes over the claim', async () => {
    const topic = await createTestTopic(cluster, 'wake', 1);
    const group = testGroupName('wake');
    const consumed: string[] = [];
    const env = {
      ...consumerEnv(group, topic),
      SLUICE_WAKE_TARGETS: JSON.stringify([{ group, topics: [topic.name], functionName: 'poller-fn' }]),
    };
    const poller = createPollerHandler({
      cluster,
      env,
      logger: silentLogger,
      metrics: { observer: {}, lag: () => {}, publish: () => {} },
      idleTimeoutMs: 500,
      leaseDurationMs: FAST_POLLER.leaseDurationMs,
      heartbeatIntervalMs: FAST_POLLER.heartbeatIntervalMs,
      pollIntervalMs: FAST_POLLER.pollIntervalMs,
      invoke: async (_name, event) => {
        for (const r of Object.values(event.records).flat())
          consumed.push(Buffer.from(r.value ?? '', 'base64').toString());
      },
    });
    const runs: Promise<PollerHandlerResult>[] = [];
    // The "Lambda service": an asynchronous invoke starts the poller in the background.
    const waker = wakerFromEnv(cluster, env, {
      invoke: async (_name, payload) => {
        runs.push(poller(payload, { getRemainingTimeInMillis: () => 10_000 }));
      },
    });
    expect(waker).toBeDefined();
    const api = checkedApi(createHttpApi(cluster, { onProduced: waker }));

    const response = await api({
      method: 'POST',
      path: `/v3/clusters/${cluster.config.clusterId}/topics/${topic.name}/records`,
      query: {},
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ value: { type: 'STRING', data: 'hello' } })),
    });
    expect(response.status).toBe(200);
    await waker?.settled();
    await waitFor(() => consumed.length === 1, 'the woken poller consumes the record');
    const results = await Promise.all(runs);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: 'ran', reason: 'idle', committedRecords: 1 });
    expect(consumed).toEqual(['hello']);
    expect(await cluster.groups.readMarker(group)).toBeUndefined();
  });

  it('is not built without SLUICE_WAKE_TARGETS', () => {
    expect(wakerFromEnv(cluster, {})).toBeUndefined();
    expect(wakerFromEnv(cluster, { SLUICE_WAKE_TARGETS: '[]' })).toBeUndefined();
  });
});
