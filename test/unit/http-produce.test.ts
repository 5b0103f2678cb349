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
          { id: 7, partition_id: 2, key: { type: 'BINARY', data: 'aGk=' }, value: null },
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

  it('ignore the entry id when reading the record, and still refuse a bad record by its index', async () => {
    const { api, appended } = apiAnswering(() => []);
    const response = await api(post(batchPath, { entries: [{ id: 'a' }, { id: 'b', partition_id: 'one' }] }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).message).toMatch(/^Record 1: field "partition_id" is invalid/);
    expect(appended).toEqual([]);
  });
});
