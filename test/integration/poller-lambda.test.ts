import { LambdaClient } from '@aws-sdk/client-lambda';
import { createPollerHandler } from '../../functions/poller/handler';
import type { PollerMetrics } from '../../functions/poller/metrics';
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { createGroupService } from '../../shared/groups';
import {
  createLambdaAsyncInvoker,
  createLambdaHandlerInvoker,
  HandlerFunctionError,
  type KafkaEvent,
} from '../../shared/poller';
import {
  type FakeLambdaService,
  type FunctionAnswer,
  startFakeLambdaService,
} from '../support/fake-lambda-service';
import {
  consumerEnv,
  createTestTopic,
  FAST_POLLER,
  produce,
  silentLogger,
  testGroupName,
  waitFor,
} from '../support/groups';

const cluster = createCluster(configFromEnv());
afterAll(() => cluster.close());

const quietMetrics: PollerMetrics = { observer: {}, lag: () => {}, publish: () => {} };

function pollerHandler(
  env: NodeJS.ProcessEnv,
  invoke: (name: string, event: KafkaEvent) => Promise<unknown>,
  now?: () => number,
) {
  return createPollerHandler({
    cluster,
    env,
    invoke,
    logger: silentLogger,
    metrics: quietMetrics,
    leaseDurationMs: FAST_POLLER.leaseDurationMs,
    heartbeatIntervalMs: FAST_POLLER.heartbeatIntervalMs,
    pollIntervalMs: FAST_POLLER.pollIntervalMs,
    now,
  });
}

/** A Lambda context whose deadline is `ms` from now. */
function contextWithin(ms: number) {
  const deadline = Date.now() + ms;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
}

describe('Lambda poller handler', () => {
  it('invokes the function with the records until its deadline (the remaining time less the safety margin), then hands its leases back', async () => {
    const topic = await createTestTopic(cluster, 'lambda', 2);
    const group = testGroupName('lambda');
    await produce(
      cluster,
      topic,
      Array.from({ length: 30 }, (_, i) => ({ partition: i % 2, value: `v${i}` })),
    );
    const invoked: string[] = [];
    let records = 0;
    // The handler's clock moves only when the test moves it, so where the invocation stops
    // depends on its deadline, not on how fast this machine delivers and hands back.
    let clock = Date.now();
    const handle = pollerHandler(
      consumerEnv(group, topic),
      async (name, event) => {
        invoked.push(name);
        records += Object.values(event.records).flat().length;
        return { batchItemFailures: [] };
      },
      () => clock,
    );
    // Lambda's 3 s left; the safety margin is then 1 s, so the deadline is 2 s in.
    const invocationEnd = clock + 3_000;
    const deadline = invocationEnd - 1_000;
    let settled = false;
    const running = handle(
      { source: 'aws.events', 'detail-type': 'Scheduled Event' },
      { getRemainingTimeInMillis: () => invocationEnd - clock },
    ).finally(() => {
      settled = true;
    });
    await waitFor(() => records === 30, 'every record delivered');

    // Just before the deadline it still runs: a heartbeat at that time refreshes the group's marker.
    clock = deadline - 1;
    await waitFor(
      async () =>
        ((await cluster.groups.readMarker(group))?.expiresAt ?? 0) >= clock + FAST_POLLER.leaseDurationMs,
      'a heartbeat just before the deadline',
    );
    expect(settled).toBe(false);

    clock = deadline;
    const result = await running;
    expect(result).toMatchObject({ status: 'ran', reason: 'deadline', committedRecords: 30 });
    expect(records).toBe(30);
    expect(new Set(invoked)).toEqual(new Set(['order-handler']));
    const groups = createGroupService({ cluster });
    const { leases, members } = await groups.describe(group);
    expect(leases).toHaveLength(2);
    expect(leases.every((l) => l.owner === undefined && l.committed === 15)).toBe(true);
    expect(members).toEqual([]);
    expect(await cluster.groups.readMarker(group)).toBeUndefined();
  });

  it('runs one poller per group: a second start while one runs returns at once', async () => {
    const topic = await createTestTopic(cluster, 'lambda', 1);
    const group = testGroupName('lambda');
    await produce(cluster, topic, [{ partition: 0, value: 'x' }]);
    const handle = pollerHandler(consumerEnv(group, topic), async () => undefined);
    const first = handle({}, contextWithin(2_500));
    // The second start comes once the first holds the group's marker, however long its claim took.
    await waitFor(
      async () => (await cluster.groups.readMarker(group)) !== undefined,
      'the first start claims the marker',
    );
    const second = await handle({}, contextWithin(2_500));
    expect(second.status).toBe('already-running');
    expect((await first).status).toBe('ran');
  });

  it('costs only reads when a scheduled start finds nothing to consume', async () => {
    const topic = await createTestTopic(cluster, 'lambda', 3);
    const group = testGroupName('lambda');
    const handle = pollerHandler(consumerEnv(group, topic), async () => undefined);
    expect((await handle({}, contextWithin(5_000))).status).toBe('nothing-to-do');
    const snapshot = await cluster.groups.snapshot(group);
    expect(snapshot).toEqual({ leases: [], members: [], marker: undefined });
  });

  it('treats a FunctionError of the target as a failed batch and dead-letters after the retries', async () => {
    const topic = await createTestTopic(cluster, 'lambda', 1);
    const dlq = await createTestTopic(cluster, 'lambda-dlq', 1);
    const group = testGroupName('lambda');
    await produce(cluster, topic, [{ partition: 0, value: 'bad' }]);
    let calls = 0;
    const handle = pollerHandler(
      consumerEnv(group, topic, { retryAttempts: 1, onFailureTopic: dlq.name }),
      async (name) => {
        calls++;
        throw new HandlerFunctionError(name, 'Error', 'boom');
      },
    );
    const result = await handle({}, contextWithin(2_000));
    expect(result).toMatchObject({ status: 'ran', deadLetteredRecords: 1 });
    expect(calls).toBe(2);
    const dead = await cluster.log.fetch({ topic: dlq, partition: 0, offset: 0 });
    expect(dead.records.map((r) => r.value?.toString())).toEqual(['bad']);
  });
});

describe('Lambda invoke ports', () => {
  let service: FakeLambdaService;
  let lambda: LambdaClient;
  let answer: FunctionAnswer = { ok: true, result: null };

  beforeAll(async () => {
    service = await startFakeLambdaService(async () => answer);
    lambda = new LambdaClient({
      region: 'us-east-1',
      endpoint: service.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    lambda.destroy();
    await service.close();
  });

  const event: KafkaEvent = {
    eventSource: 'SelfManagedKafka',
    bootstrapServers: 'sluice://local',
    records: {},
  };

  it('invokes RequestResponse and returns the partial batch response', async () => {
    answer = { ok: true, result: { batchItemFailures: [] } };
    const result = await createLambdaHandlerInvoker(lambda)('order-handler', event);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(service.received.at(-1)).toMatchObject({
      path: '/2015-03-31/functions/order-handler/invocations',
      invocationType: 'RequestResponse',
    });
    expect(service.received.at(-1)?.payload).toEqual(event);
  });

  it('turns a FunctionError into a thrown HandlerFunctionError', async () => {
    answer = { ok: false, errorType: 'TypeError', errorMessage: 'x is undefined' };
    await expect(createLambdaHandlerInvoker(lambda)('order-handler', event)).rejects.toThrow(
      'order-handler failed with TypeError: x is undefined',
    );
  });

  it('starts a function asynchronously with InvocationType Event', async () => {
    await createLambdaAsyncInvoker(lambda)('billing-poller', { source: 'sluice.wake' });
    expect(service.received.at(-1)).toMatchObject({
      path: '/2015-03-31/functions/billing-poller/invocations',
      invocationType: 'Event',
    });
  });
});
