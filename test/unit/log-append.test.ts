import { UnavailableError } from '../../shared/errors';
import {
  type AppendRecord,
  createLog,
  eventRecordBytes,
  MAX_EVENT_BYTES,
  MAX_RECORDS_PER_APPEND,
} from '../../shared/log';
import {
  type DataSlot,
  type LogIndex,
  MAX_INLINE_SECTION_BYTES,
  type VoidSlot,
} from '../../shared/storage/log-index';
import type { SegmentStore } from '../../shared/storage/segment-store';
import type { Topic } from '../../shared/topics/registry';

const topic: Topic = {
  name: 'orders',
  id: 'tid',
  partitionCount: 2,
  configs: { 'max.message.bytes': 1_048_588 } as Topic['configs'],
  configOverrides: [],
  createdAt: 0,
};

const record = (partition: number): AppendRecord => ({
  key: null,
  value: Buffer.from('v'),
  headers: [],
  timestamp: 1,
  partition,
});

/** An index in memory whose commit is `commit`; every other method is unused here. */
function stubIndex(commit: LogIndex['commit']) {
  let next = 0;
  const voids: VoidSlot[] = [];
  const commits: DataSlot[] = [];
  const index = {
    async reserve(_topicId: string, _partition: number, count: number, now: number) {
      next += count;
      return { baseOffset: next - count, count, reservedAt: now };
    },
    async commit(slot: DataSlot, signal?: AbortSignal) {
      commits.push(slot);
      return commit(slot, signal);
    },
    async void(slot: VoidSlot) {
      voids.push(slot);
      return { kind: 'voided' as const };
    },
  } as Partial<LogIndex> as LogIndex;
  return { index, voids, commits };
}

const segments: SegmentStore = {
  put: async () => {},
  getRange: async () => Buffer.alloc(0),
  delete: async () => {},
  list: async () => [],
};

/** A put that only ends when its signal aborts, rejecting as the SDK does. */
const hangingCommit: LogIndex['commit'] = (_slot, signal) =>
  new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () =>
      reject(Object.assign(new Error('Request aborted', { cause: signal.reason }), { name: 'AbortError' })),
    );
  });

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('the commit deadline', () => {
  it('abandons a put still running at the deadline, voids the range and answers a retriable error', async () => {
    // The log's clock and timers are jest's: the deadline is reached when the test says so.
    jest.useFakeTimers();
    try {
      const { index, voids } = stubIndex(hangingCommit);
      const log = createLog({ segments, index, commitDeadlineMs: 200, holeGraceMs: 1_000 });
      let settled = false;
      const appending = log.append(topic, [record(1)]).finally(() => {
        settled = true;
      });
      await jest.advanceTimersByTimeAsync(199);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      const [result] = await appending;
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toBeInstanceOf(UnavailableError);
      expect(!result.ok && result.error.message).toContain('did not commit within 200 ms');
      expect(voids).toEqual([expect.objectContaining({ partition: 1, baseOffset: 0, count: 1 })]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('aborts with a TimeoutError reason, as AbortSignal.timeout did', async () => {
    let reason: unknown;
    const { index } = stubIndex(
      (_slot, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => {
            reason = signal.reason;
            reject(Object.assign(new Error('Request aborted', { cause: reason }), { name: 'AbortError' }));
          });
        }),
    );
    const log = createLog({ segments, index, commitDeadlineMs: 50, holeGraceMs: 1_000 });
    const [result] = await log.append(topic, [record(0)]);
    expect(result.ok).toBe(false);
    expect(reason).toMatchObject({ name: 'TimeoutError' });
  });

  it('leaves no timer behind once the put has answered', async () => {
    const { index, commits } = stubIndex(async () => ({ kind: 'appended' }));
    const log = createLog({ segments, index, commitDeadlineMs: 60_000, holeGraceMs: 120_000 });
    const before = timers();
    const results = await log.append(topic, [record(0), record(1)]);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(commits).toHaveLength(2);
    expect(timers()).toBe(before);
  });

  it('passes each put a signal that is not aborted before its deadline', async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const { index } = stubIndex(async (_slot, signal) => {
      seen.push(signal);
      return { kind: 'appended' };
    });
    const log = createLog({ segments, index, commitDeadlineMs: 60_000, holeGraceMs: 120_000 });
    await log.append(topic, [record(0)]);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(false);
  });
});

describe('segment keys', () => {
  it('are unique, with 16 random hex digits after the time', async () => {
    const keys: string[] = [];
    const store: SegmentStore = { ...segments, put: async (key) => void keys.push(key) };
    const { index } = stubIndex(async () => ({ kind: 'appended' }));
    const log = createLog({ segments: store, index, inlineSectionMaxBytes: 0 });
    // More than one fill of the pool of random bytes.
    for (let i = 0; i < 1_200; i++) await log.append(topic, [record(0)]);
    expect(new Set(keys).size).toBe(1_200);
    for (const key of keys) expect(key).toMatch(/^segments\/tid\/\d+-[0-9a-f]{16}$/);
  });
});

describe('what one append may hold', () => {
  const refusal = async (records: AppendRecord[], big: Topic = topic) => {
    const { index, commits } = stubIndex(async () => ({ kind: 'appended' }));
    const puts: string[] = [];
    const store: SegmentStore = { ...segments, put: async (key) => void puts.push(key) };
    const error = await createLog({ segments: store, index })
      .append(big, records)
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect({ puts, commits }).toEqual({ puts: [], commits: [] });
    return error;
  };

  it(`refuses more than ${MAX_RECORDS_PER_APPEND} records before writing anything`, async () => {
    const error = await refusal(Array.from({ length: MAX_RECORDS_PER_APPEND + 1 }, () => record(0)));
    expect(error).toMatchObject({
      name: 'InvalidRequestError',
      message: expect.stringContaining('split it'),
    });
  });

  it('refuses a timestamp before 1970 or past the codec range', async () => {
    for (const timestamp of [-1, 2 ** 52, 0.5, Number.NaN]) {
      const error = await refusal([{ ...record(0), timestamp }]);
      expect(error).toMatchObject({ name: 'InvalidRequestError', message: expect.stringContaining('1970') });
    }
  });

  it('refuses a record that could not fit the event a Lambda consumer receives, whatever max.message.bytes says', async () => {
    const roomy = { ...topic, configs: { 'max.message.bytes': 64 * 1024 * 1024 } as Topic['configs'] };
    // 1.6 MB of header values: small as bytes, but each byte is up to four characters in the event.
    const headers = [{ key: 'h', value: Buffer.alloc(1_600_000, 255) }];
    const error = await refusal([{ ...record(0), headers }], roomy);
    expect(error).toMatchObject({ name: 'RecordTooLargeError' });
    expect(eventRecordBytes(topic.name, { key: null, value: null, headers })).toBeGreaterThan(
      MAX_EVENT_BYTES,
    );
  });
});

describe('inline sections', () => {
  it('puts no object and hands each slot its own section when every section fits', async () => {
    const { index, commits } = stubIndex(async () => ({ kind: 'appended' }));
    const puts: string[] = [];
    const store: SegmentStore = { ...segments, put: async (key) => void puts.push(key) };
    const log = createLog({ segments: store, index, inlineSectionMaxBytes: 4096 });
    const results = await log.append(topic, [record(0), record(1), record(1)]);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(puts).toEqual([]);
    expect(commits.map((slot) => [slot.partition, slot.inline?.length === slot.byteLength])).toEqual([
      [0, true],
      [1, true],
    ]);
  });

  it('refuses a threshold a slot item could not hold, or one that is not a whole number', () => {
    const { index } = stubIndex(async () => ({ kind: 'appended' }));
    for (const bad of [MAX_INLINE_SECTION_BYTES + 1, -1, 1.5, Number.NaN]) {
      expect(() => createLog({ segments, index, inlineSectionMaxBytes: bad })).toThrow(RangeError);
    }
    expect(() =>
      createLog({ segments, index, inlineSectionMaxBytes: MAX_INLINE_SECTION_BYTES }),
    ).not.toThrow();
  });
});
