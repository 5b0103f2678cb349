import type { Cluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { UnavailableError } from '../../shared/errors';
import { createHttpApi } from '../../shared/http/router';
import type { AppendRecord, RecordResult } from '../../shared/log';
import type { Topic } from '../../shared/topics/registry';

const config = configFromEnv({});
const topic: Topic = {
  name: 'orders',
  id: 'tid',
  partitionCount: 4,
  configs: { 'max.message.bytes': 1_048_588 } as Topic['configs'],
  configOverrides: [],
  createdAt: 0,
};

/** An API over a log whose append answers `answer(records)`; nothing touches storage. */
function apiAnswering(answer: (records: readonly AppendRecord[]) => RecordResult[]) {
  const appended: AppendRecord[][] = [];
  const cluster = {
    config,
    topics: { get: async () => topic },
    log: {
      append: async (_topic: Topic, records: readonly AppendRecord[]) => {
        appended.push([...records]);
        return answer(records);
      },
    },
  } as unknown as Cluster;
  return { api: createHttpApi(cluster), appended };
}

const post = (path: string, body: unknown) => ({
  method: 'POST',
  path,
  query: {},
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});

const batchPath = `/v3/clusters/${config.clusterId}/topics/orders/records:batch`;

describe('records:batch answers', () => {
  it('are, byte for byte, one {id, ...delivery report} per entry, failures apart', async () => {
    const failure = new UnavailableError('The append to orders-2 did not commit: retry the request.', {
      topic: 'orders',
      partition: 2,
    });
    const { api, appended } = apiAnswering((records) =>
      records.map(
        (record, i): RecordResult =>
          record.partition === 2
            ? { ok: false, partition: 2, error: failure }
            : { ok: true, partition: record.partition ?? 0, offset: 40 + i, timestamp: record.timestamp },
      ),
    );
    const response = await api(
      post(batchPath, {
        entries: [
          { id: 'a', partition_id: 1, value: { type: 'STRING', data: 'x' } },
          { id: '7', partition_id: 2, key: { type: 'BINARY', data: 'aGk=' }, value: null },
          { id: 'c', partition_id: 1, timestamp: '2026-01-02T03:04:05.678Z', key: { data: { k: 1 } } },
          { id: 'd', partition_id: 3, headers: [{ name: 'h', value: 'aGk=' }] },
        ],
      }),
    );
    const at = appended[0][0].timestamp;
    const iso = new Date(at).toISOString();
    const report = (
      id: string,
      partition: number,
      offset: number,
      timestamp: string,
      key: unknown,
      value: unknown,
    ) => ({
      id,
      error_code: 200,
      cluster_id: config.clusterId,
      topic_name: 'orders',
      partition_id: partition,
      offset,
      timestamp,
      key,
      value,
    });
    expect(response.status).toBe(207);
    expect(response.body).toBe(
      JSON.stringify({
        successes: [
          report('a', 1, 40, iso, null, { type: 'STRING', size: 1 }),
          report('c', 1, 42, '2026-01-02T03:04:05.678Z', { type: 'JSON', size: 7 }, null),
          report('d', 3, 43, iso, null, null),
        ],
        failures: [{ id: '7', error_code: 50003, message: failure.message }],
      }),
    );
    expect(appended[0].map((record) => record.partition)).toEqual([1, 2, 1, 3]);
    expect(appended[0][3].headers).toEqual([{ key: 'h', value: Buffer.from('hi') }]);
  });

  it('report a bad entry as its own failure, by its index, and append the others', async () => {
    const { api, appended } = apiAnswering((records) =>
      records.map(
        (record, i): RecordResult => ({ ok: true, partition: 0, offset: i, timestamp: record.timestamp }),
      ),
    );
    const response = await api(
      post(batchPath, {
        entries: [
          { id: 'a', value: { data: 1 } },
          { id: 'b', partition_id: 'one' },
          { id: 'c', partition_id: 9 },
          { id: 'd', value: { data: 2 } },
        ],
      }),
    );
    expect(response.status).toBe(207);
    const body = JSON.parse(response.body);
    expect(body.successes.map((s: { id: string; offset: number }) => [s.id, s.offset])).toEqual([
      ['a', 0],
      ['d', 1],
    ]);
    expect(body.failures).toEqual([
      {
        id: 'b',
        error_code: 400,
        message: expect.stringMatching(/^Record 1: field "partition_id" is invalid/),
      },
      { id: 'c', error_code: 400, message: expect.stringContaining('Record 2 names partition 9') },
    ]);
    expect(appended.map((batch) => batch.length)).toEqual([2]);
  });

  it('append nothing when every entry is bad, and answer 207 with every failure', async () => {
    const { api, appended } = apiAnswering(() => []);
    const response = await api(post(batchPath, { entries: [{ id: 'a', partition_id: -1 }] }));
    expect(response.status).toBe(207);
    expect(JSON.parse(response.body)).toEqual({
      successes: [],
      failures: [
        { id: 'a', error_code: 400, message: expect.stringContaining('Record 0 names partition -1') },
      ],
    });
    expect(appended).toEqual([]);
  });

  it.each([
    ['a number', [{ id: 7 }], 422, 42202],
    ['an empty string', [{ id: '' }], 422, 42202],
    ['81 characters', [{ id: 'x'.repeat(81) }], 422, 42202],
    ['a character outside [0-9A-Za-z_-]', [{ id: 'a.b' }], 422, 42202],
    ['no id at all', [{ value: { data: 1 } }], 422, 42202],
    ['an id twice', [{ id: 'a' }, { id: 'a' }], 422, 42208],
  ])(
    'refuse the whole batch for an entry id that is %s, appending nothing',
    async (_what, entries, status, code) => {
      const { api, appended } = apiAnswering(() => []);
      const response = await api(post(batchPath, { entries }));
      expect(response.status).toBe(status);
      expect(JSON.parse(response.body)).toEqual({ error_code: code, message: expect.any(String) });
      expect(appended).toEqual([]);
    },
  );
});
