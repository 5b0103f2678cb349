import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAppConfig, readLocalApp } from '../../local/app-config';
import { closestName } from '../../shared/suggest';

const parse = (json: unknown) => () => parseAppConfig(json, 'sluice.config.json');
const consumer = { group: 'orders-app', topics: ['orders'], handler: 'handler.js' };

describe('sluice.config.json', () => {
  it('takes the example app as it is', () => {
    expect(
      parseAppConfig(
        {
          topics: [{ name: 'orders', partitions: 6, configs: { 'retention.ms': '86400000' } }],
          consumers: [
            { ...consumer, batchSize: 100, maxBatchingWindowMs: 500, retryAttempts: 2, onFailure: 'dlq' },
          ],
        },
        'sluice.config.json',
      ).topics?.[0].partitions,
    ).toBe(6);
  });

  it('refuses a misspelt key and suggests the one meant', () => {
    expect(parse({ topics: [{ name: 'orders', partition: 4 }] })).toThrow(
      'sluice.config.json: topics[0] ("orders") has the key "partition", which is not a setting here (did you mean "partitions"?)',
    );
    expect(parse({ consumers: [{ ...consumer, maxBatchingWindow: 5 }] })).toThrow(
      'consumers[0] ("orders-app") has the key "maxBatchingWindow", which is not a setting here (did you mean "maxBatchingWindowMs"?)',
    );
    expect(parse({ topic: [] })).toThrow('the file has the key "topic"');
  });

  it('names an unknown key without a suggestion when nothing is close', () => {
    expect(parse({ consumers: [{ ...consumer, colour: 'blue' }] })).toThrow(
      /has the key "colour", which is not a setting here; the keys are group, topics, handler/,
    );
  });

  it('refuses values outside the limits the poller and the topic registry apply', () => {
    expect(parse({ consumers: [{ ...consumer, batchSize: 0 }] })).toThrow(
      'consumers[0] ("orders-app").batchSize is invalid',
    );
    expect(parse({ consumers: [{ ...consumer, retryAttempts: 10_001 }] })).toThrow(
      '.retryAttempts is invalid',
    );
    expect(parse({ topics: [{ name: 'orders', partitions: 10_001 }] })).toThrow(
      'topics[0] ("orders").partitions is invalid',
    );
    expect(parse({ topics: [{ name: 'orders', partitions: '4' }] })).toThrow('.partitions is invalid');
  });

  it('checks names and topic configs by the rules of the HTTP API', () => {
    expect(parse({ topics: [{ name: 'a b' }] })).toThrow(
      'topics[0] ("a b"): Topic name "a b" has characters outside',
    );
    expect(parse({ topics: [{ name: 'a', configs: { 'retention.m': '1' } }] })).toThrow(
      'Unknown topic config "retention.m"',
    );
    expect(parse({ consumers: [{ ...consumer, onFailure: 'orders' }] })).toThrow('failed records would loop');
  });

  describe('reading the file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sluice-app-config-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('treats a missing default file as an empty app, and a missing named file as an error', () => {
      const missing = join(dir, 'nowhere.json');
      expect(readLocalApp(missing)).toEqual({ directory: process.cwd() });
      expect(() => readLocalApp(missing, { explicit: true })).toThrow(`${missing} does not exist`);
    });

    it('names the file when it is not JSON', async () => {
      const file = join(dir, 'broken.json');
      await writeFile(file, '{"topics": [');
      expect(() => readLocalApp(file)).toThrow(`${file} is not valid JSON`);
    });

    it('resolves handlers against the file’s directory', async () => {
      const file = join(dir, 'ok.json');
      await writeFile(file, JSON.stringify({ consumers: [consumer] }));
      expect(readLocalApp(file)).toMatchObject({ directory: dir, consumers: [consumer] });
    });
  });
});

describe('closestName', () => {
  it.each([
    ['partition', ['partition_id', 'headers', 'key', 'value', 'timestamp'], 'partition_id'],
    ['timestmap', ['partition_id', 'headers', 'key', 'value', 'timestamp'], 'timestamp'],
    ['Partitions', ['name', 'partitions', 'configs'], 'partitions'],
    ['colour', ['name', 'partitions', 'configs'], undefined],
    ['x', ['key', 'value'], undefined],
  ])('suggests for %j: %j → %j', (typed, candidates, expected) => {
    expect(closestName(typed, candidates)).toBe(expected);
  });
});
