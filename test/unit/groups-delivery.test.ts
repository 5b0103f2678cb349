import fc from 'fast-check';
import type { StoredRecord } from '../../shared/codec/types';
import {
  type Attempt,
  type DeliveryContext,
  deliverBatch,
  exponentialBackoff,
} from '../../shared/poller/deliver';
import { eventRecordBytes, readBatchResponse, toKafkaEvent } from '../../shared/poller/event';

function records(from: number, count: number): StoredRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    partition: 0,
    offset: from + i,
    key: null,
    value: Buffer.from(`v${from + i}`),
    headers: [],
    timestamp: 1_700_000_000_000,
  }));
}

/** A delivery context whose handler fails on the offsets in `bad` (by throwing, or by naming them). */
function context(opts: {
  bad: Set<number>;
  mode: 'throw' | 'partial';
  retryAttempts: number;
  bisect?: boolean;
}) {
  const calls: number[][] = [];
  const commits: number[] = [];
  const givenUp: number[][] = [];
  const sleeps: number[] = [];
  const ctx: DeliveryContext = {
    async invoke(batch): Promise<Attempt> {
      calls.push(batch.map((r) => r.offset));
      const failed = batch.filter((r) => opts.bad.has(r.offset)).map((r) => r.offset);
      if (failed.length === 0) return { ok: true };
      if (opts.mode === 'throw') return { ok: false, failedFrom: batch[0].offset, failed: [], error: 'boom' };
      return { ok: false, failedFrom: failed[0], failed, error: 'partial' };
    },
    async commit(offset) {
      commits.push(offset);
    },
    async giveUp(batch) {
      givenUp.push(batch.map((r) => r.offset));
    },
    onRetry: () => {},
    retryAttempts: opts.retryAttempts,
    bisectOnError: opts.bisect ?? false,
    backoff: exponentialBackoff(100, 1_000, () => 0.5),
    async sleep(ms) {
      sleeps.push(ms);
    },
    stopping: () => false,
  };
  return { ctx, calls, commits, givenUp, sleeps };
}

describe('deliverBatch', () => {
  it('commits past a batch that succeeds', async () => {
    const t = context({ bad: new Set(), mode: 'throw', retryAttempts: 2 });
    expect(await deliverBatch(t.ctx, records(10, 5))).toBe(true);
    expect(t.commits).toEqual([15]);
    expect(t.calls).toEqual([[10, 11, 12, 13, 14]]);
  });

  it('commits up to the first failed offset of a partial answer and retries from it', async () => {
    const t = context({ bad: new Set([12]), mode: 'partial', retryAttempts: 2 });
    await deliverBatch(t.ctx, records(10, 5));
    expect(t.commits[0]).toBe(12);
    expect(t.calls.slice(1)).toEqual([
      [12, 13, 14],
      [12, 13, 14],
      [13, 14],
    ]);
    // After the last retry only the lowest failed record is given up; the rest is delivered again.
    expect(t.givenUp).toEqual([[12]]);
    expect(t.commits).toEqual([12, 13, 15]);
  });

  it('retries a throwing batch retryAttempts times, then gives the whole rest up', async () => {
    const t = context({ bad: new Set([11]), mode: 'throw', retryAttempts: 3 });
    await deliverBatch(t.ctx, records(10, 3));
    expect(t.calls).toHaveLength(4);
    expect(t.givenUp).toEqual([[10, 11, 12]]);
    expect(t.commits).toEqual([13]);
  });

  it('backs off exponentially between retries', async () => {
    const t = context({ bad: new Set([10]), mode: 'throw', retryAttempts: 4 });
    await deliverBatch(t.ctx, records(10, 1));
    expect(t.sleeps).toEqual([100, 200, 400, 800]);
  });

  it('isolates the bad record by bisecting, without counting splits as retries', async () => {
    const t = context({ bad: new Set([13]), mode: 'throw', retryAttempts: 1, bisect: true });
    await deliverBatch(t.ctx, records(10, 8));
    expect(t.givenUp).toEqual([[13]]);
    expect(t.commits.at(-1)).toBe(18);
    // Commits only ever move forward.
    expect([...t.commits].sort((a, b) => a - b)).toEqual(t.commits);
    // The bad record alone was tried 1 + retryAttempts times.
    expect(t.calls.filter((c) => c.length === 1 && c[0] === 13)).toHaveLength(2);
  });

  it('stops without committing the failed rest when asked to stop', async () => {
    const t = context({ bad: new Set([10]), mode: 'throw', retryAttempts: -1 });
    t.ctx.stopping = () => t.calls.length >= 2;
    expect(await deliverBatch(t.ctx, records(10, 2))).toBe(false);
    expect(t.commits).toEqual([]);
  });
});

describe('readBatchResponse', () => {
  const offsets = [5, 6, 7];
  it('treats nothing, null, {} and an empty list as success', () => {
    for (const answer of [
      undefined,
      null,
      {},
      { batchItemFailures: [] },
      { batchItemFailures: null },
      'ok',
    ]) {
      expect(readBatchResponse(answer, 'orders-0', offsets)).toEqual({ ok: true });
    }
  });

  it('finds the lowest failed offset, given as a number or a decimal string', () => {
    const answer = {
      batchItemFailures: [
        { itemIdentifier: { partition: 'orders-0', offset: '7' } },
        { itemIdentifier: { partition: 'orders-0', offset: 6 } },
      ],
    };
    expect(readBatchResponse(answer, 'orders-0', offsets)).toEqual({
      ok: false,
      failedFrom: 6,
      failed: [6, 7],
    });
  });

  it('fails the whole batch when a failure names a record outside it', () => {
    const answer = { batchItemFailures: [{ itemIdentifier: { partition: 'orders-1', offset: 6 } }] };
    expect(readBatchResponse(answer, 'orders-0', offsets)).toEqual({ ok: false, failedFrom: 5, failed: [] });
  });
});

describe('toKafkaEvent', () => {
  it('omits the key of a keyless record and the value of a tombstone, and sends headers as bytes', () => {
    const event = toKafkaEvent(
      [
        {
          topic: 'orders',
          records: [
            {
              partition: 2,
              offset: 9,
              key: null,
              value: null,
              headers: [
                { key: 'h', value: Buffer.from('hi') },
                { key: 'n', value: null },
              ],
              timestamp: 42,
            },
          ],
        },
      ],
      'sluice://local',
    );
    expect(event).toEqual({
      eventSource: 'SelfManagedKafka',
      bootstrapServers: 'sluice://local',
      records: {
        'orders-2': [
          {
            topic: 'orders',
            partition: 2,
            offset: 9,
            timestamp: 42,
            timestampType: 'CREATE_TIME',
            headers: [{ h: [104, 105] }, { n: [] }],
          },
        ],
      },
    });
    expect('key' in event.records['orders-2'][0]).toBe(false);
    expect('value' in event.records['orders-2'][0]).toBe(false);
  });

  it('keeps an empty key and an empty value as ""', () => {
    const event = toKafkaEvent(
      [
        {
          topic: 'orders',
          records: [
            {
              partition: 0,
              offset: 1,
              key: Buffer.alloc(0),
              value: Buffer.alloc(0),
              headers: [],
              timestamp: 1,
            },
          ],
        },
      ],
      'sluice://local',
    );
    expect(event.records['orders-0'][0]).toMatchObject({ key: '', value: '' });
  });
});

describe('the size of a consumer event', () => {
  const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
  const record = fc.record({
    partition: fc.nat(10_000),
    offset: fc.maxSafeNat(),
    timestamp: fc.maxSafeNat(),
    key: fc.option(bytes, { nil: null }),
    value: fc.option(bytes, { nil: null }),
    headers: fc.array(
      fc.record({ key: fc.string({ maxLength: 20 }), value: fc.option(bytes, { nil: null }) }),
      {
        maxLength: 4,
      },
    ),
  });

  it('is bounded above by the per-record estimate the poller uses to stay within Lambda’s limit', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 249 }),
        fc.array(record, { maxLength: 20 }),
        (topic, batch) => {
          const event = toKafkaEvent([{ topic, records: batch }], 'sluice://local');
          const estimate = batch.reduce((sum, r) => sum + eventRecordBytes(topic, r), 0);
          // The envelope: eventSource, bootstrapServers and one "topic-partition" key per partition.
          const envelope =
            Buffer.byteLength(JSON.stringify({ ...event, records: {} })) +
            Object.keys(event.records).reduce(
              (sum, name) => sum + Buffer.byteLength(JSON.stringify(name)) + 4,
              0,
            );
          expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(estimate + envelope);
        },
      ),
    );
  });
});
