/**
 * The two long-running partition loops (the poller's worker and the client consumer's) retry
 * what the world does to them, but never a programmer error: a TypeError stops the loop at
 * once and is surfaced. The stores are stand-ins here (the loops' logic is under test, not
 * storage); the happy paths run against the emulators in the integration tests.
 */
import type { PartitionConsumer, WorkerOptions } from '../../shared/client/consumer/partition-consumer';
import { startPartitionConsumer } from '../../shared/client/consumer/partition-consumer';
import type { Transport } from '../../shared/client/transport';
import type { Cluster } from '../../shared/cluster';
import { UnavailableError } from '../../shared/errors';
import type { GroupService, MemberState } from '../../shared/groups/service';
import { resolvePollerOptions } from '../../shared/poller/options';
import { createPoller } from '../../shared/poller/poller';
import { startPartitionWorker } from '../../shared/poller/worker';
import type { Topic } from '../../shared/topics/registry';

const topic: Topic = {
  name: 'orders',
  id: 'abc',
  partitionCount: 1,
  configs: {} as Topic['configs'],
  configOverrides: [],
  createdAt: 0,
};
const silent = { info: () => {}, warn: () => {}, error: () => {} };
const never = new Promise<void>(() => {});
/** Yields to timers and I/O, as a real sleep does, so a loop that never ends cannot starve jest. */
const yieldingSleep = () => new Promise<void>((resolve) => setImmediate(resolve));
/** A loop that kept retrying would never end: the tests stop it from outside after this many rounds. */
const ENOUGH = 10;

/** A cluster whose log reads run `fetch` (a partition worker reads through a log reader). */
function clusterWith(fetch: () => Promise<never>): Cluster {
  return {
    config: { clusterId: 'local' },
    topics: { get: async () => topic },
    log: { fetch, reader: () => ({ fetch }) },
  } as unknown as Cluster;
}

/** A fetch that fails with each of `errors` in turn, counting its calls. */
function failingFetch(...errors: Error[]) {
  const calls = { count: 0 };
  const fetch = async (): Promise<never> => {
    const error = errors[Math.min(calls.count, errors.length - 1)];
    calls.count++;
    throw error;
  };
  return { fetch, calls };
}

describe("the poller's partition worker", () => {
  function start({ fetch, calls }: ReturnType<typeof failingFetch>) {
    const options = resolvePollerOptions({
      cluster: clusterWith(fetch),
      group: 'billing',
      topics: ['orders'],
      handler: async () => {},
      sleep: yieldingSleep,
      logger: silent,
      now: () => 0,
    });
    const failures: unknown[] = [];
    const worker = startPartitionWorker(
      {
        options,
        groups: {} as GroupService,
        topic,
        stopped: never,
        stopTaking: () => calls.count >= ENOUGH,
        activity: () => {},
        failed: (error) => failures.push(error),
      },
      { topic: 'orders', partition: 0, epoch: 1, committedOffset: 0, expiresAt: Number.POSITIVE_INFINITY },
    );
    return { worker, failures };
  }

  it('retries a store that is away, but stops at the first TypeError and reports it', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'offset')");
    const fetch = failingFetch(new UnavailableError('away'), new UnavailableError('away'), bug);
    const { worker, failures } = start(fetch);
    const { calls } = fetch;
    await worker.done;
    expect(calls.count).toBe(3);
    expect(worker.state).toBe('failed');
    expect(failures).toEqual([bug]);
  });

  it('never retries a RangeError, not even once', async () => {
    const fetch = failingFetch(new RangeError('offset out of bounds'));
    const { worker, failures } = start(fetch);
    const { calls } = fetch;
    await worker.done;
    expect(calls.count).toBe(1);
    expect(worker.state).toBe('failed');
    expect(failures).toHaveLength(1);
  });
});

describe('the poller', () => {
  it('stops, hands its lease back and rejects with the TypeError that stopped a worker', async () => {
    const bug = new TypeError('x is not a function');
    const { fetch, calls } = failingFetch(bug);
    const enough = new AbortController();
    const released: string[] = [];
    const member = (memberId: string): MemberState => ({
      group: 'billing',
      memberId,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 1,
      assignments: [{ topic: 'orders', partition: 0, epoch: 1, committedOffset: 0, expiresAt: 60_000 }],
      revoking: [],
      waitingFor: [],
    });
    const groups = {
      removeMember: async () => {},
      clearMarker: async () => {},
      refreshMarker: async () => {},
      join: async (request: { memberId: string }) => member(request.memberId),
      heartbeat: async (request: { memberId: string }) => member(request.memberId),
      release: async (_group: string, claim: { topic: string; partition: number }) => {
        released.push(`${claim.topic}-${claim.partition}`);
        return 'released';
      },
    } as unknown as GroupService;
    const poller = createPoller({
      cluster: clusterWith(async () => {
        if (calls.count >= ENOUGH) enough.abort();
        return fetch();
      }),
      signal: enough.signal,
      groups,
      group: 'billing',
      topics: ['orders'],
      handler: async () => {},
      sleep: yieldingSleep,
      logger: silent,
      now: () => 0,
    });
    await expect(poller.run()).rejects.toBe(bug);
    expect(calls.count).toBe(1); // not restarted by a later heartbeat either
    expect(released).toEqual(['orders-0']);
    expect(poller.state).toBe('stopped');
  });
});

describe("the client consumer's partition loop", () => {
  const record = { offset: 5, timestamp: '2026-01-02T03:04:05.000Z', key: null, value: 'aGk=', headers: [] };
  const transport = {
    url: 'http://sluice.test',
    retry: {},
    clusterPath: async () => '/v3/clusters/local',
    send: async () => ({ status: 200, body: undefined }),
    request: async () => ({
      status: 200,
      body: { records: [record], next_offset: 6, log_start_offset: 0, log_end_offset: 6 },
    }),
  } as unknown as Transport;

  function start(run: WorkerOptions['run']) {
    const seen = { errors: [] as unknown[], crashes: [] as unknown[], commits: [] as string[] };
    let worker: PartitionConsumer | undefined;
    worker = startPartitionConsumer({
      transport,
      topic: 'orders',
      partition: 0,
      epoch: 1,
      startOffset: '5',
      autoOffsetReset: 'earliest',
      maxRecords: 10,
      maxBytes: 1_000,
      pollIntervalMs: 1,
      handlerRetry: { initialRetryTime: 1, maxRetryTime: 1 },
      after: Promise.resolve(),
      limit: (work) => work(),
      run,
      commit: async (offset) => void seen.commits.push(offset),
      heartbeat: async () => {},
      onLost: () => {},
      isRunning: () => true,
      onError: (error) => {
        seen.errors.push(error);
        if (seen.errors.length >= ENOUGH) worker?.stop();
      },
      onCrash: (error) => void seen.crashes.push(error),
    });
    return { worker, seen };
  }

  it("retries a handler's ordinary error, but stops at its TypeError and reports it as a crash", async () => {
    const bug = new TypeError("Cannot read properties of null (reading 'total')");
    let calls = 0;
    const { worker, seen } = start(async () => {
      calls++;
      throw calls < 3 ? new Error('downstream is busy') : bug;
    });
    await worker.done;
    expect(calls).toBe(3);
    expect(seen.errors).toHaveLength(2);
    expect(seen.crashes).toEqual([bug]);
  });

  it('commits what the handler resolved before the TypeError, then stops', async () => {
    const bug = new TypeError('undefined is not a function');
    const { worker, seen } = start(async (batch, controls) => {
      controls.resolveOffset(batch.messages[0].offset);
      throw bug;
    });
    await worker.done;
    expect(seen.commits).toEqual(['6']);
    expect(seen.crashes).toEqual([bug]);
    expect(seen.errors).toEqual([]);
  });
});
