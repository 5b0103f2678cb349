import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli';
import { memoryIo } from '../support/cli-io';
import { startTestServer, type TestServer } from '../support/client-server';
import { uniqueName } from '../support/local-aws';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const name = (prefix: string) => uniqueName(prefix).slice(0, 40);

/** Runs `sluice …` in-process and collects what it wrote. */
async function sluice(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo(stdin, { ...process.env, SLUICE_URL: server.url });
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe('sluice CLI', () => {
  it('creates, lists, describes and deletes topics', async () => {
    const topic = name('cli');

    const created = await sluice([
      'topics',
      'create',
      topic,
      '--partitions',
      '2',
      '--config',
      'retention.ms=60000',
    ]);
    expect(created).toEqual({ code: 0, stdout: '', stderr: `Created topic ${topic}.\n` });

    const list = await sluice(['topics', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toContain(topic);

    const described = await sluice(['topics', 'describe', topic]);
    expect(described.stdout).toContain(`Topic: ${topic}\tPartitionCount: 2\tConfigs: `);
    expect(described.stdout).toContain('retention.ms=60000');
    expect(described.stdout).toContain(
      `\tTopic: ${topic}\tPartition: 1\tLogStartOffset: 0\tLogEndOffset: 0\n`,
    );
    const json = JSON.parse((await sluice(['topics', 'describe', topic, '--json'])).stdout);
    expect(json).toMatchObject({ name: topic, partitionsCount: 2 });

    const again = await sluice(['topics', 'create', topic]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(await sluice(['topics', 'create', topic, '--if-not-exists'])).toMatchObject({ code: 0 });

    expect(await sluice(['topics', 'delete', topic])).toEqual({
      code: 0,
      stdout: '',
      stderr: `Deleted topic ${topic}.\n`,
    });
  });

  it('produces stdin lines split by the key separator and consumes them from the beginning', async () => {
    const topic = name('cli');
    await sluice(['topics', 'create', topic, '--partitions', '3']);

    const produced = await sluice(
      ['produce', topic, '--key-separator', ':', '--verbose', '--json'],
      'alice:{"n":1}\nbob:{"n":2}\nalice:{"n":3}\n',
    );
    expect(produced.code).toBe(0);
    const reports = produced.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(reports).toHaveLength(3);
    expect(reports[0].partition).toBe(reports[2].partition);
    expect(Number(reports[2].offset)).toBeGreaterThan(Number(reports[0].offset));

    const consumed = await sluice([
      'consume',
      topic,
      '--from-beginning',
      '--max-messages',
      '3',
      '--print-key',
    ]);
    expect(consumed.code).toBe(0);
    const lines = consumed.stdout.trim().split('\n');
    expect(lines.sort()).toEqual(['alice\t{"n":1}', 'alice\t{"n":3}', 'bob\t{"n":2}']);
    // Per partition the order is kept.
    expect(lines.filter((l) => l.startsWith('alice'))).toEqual(['alice\t{"n":1}', 'alice\t{"n":3}']);
  });

  it('prints a single record with --value and reads one partition from an offset', async () => {
    const topic = name('cli');
    await sluice(['topics', 'create', topic]);
    for (const value of ['zero', 'one', 'two']) {
      expect(await sluice(['produce', topic, '--value', value, '--header', 'source=test'])).toMatchObject({
        code: 0,
      });
    }
    const consumed = await sluice([
      'consume',
      topic,
      '--partition',
      '0',
      '--offset',
      '1',
      '--timeout-ms',
      '300',
      '--json',
    ]);
    expect(consumed.code).toBe(0);
    const records = consumed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((r) => [r.offset, r.value, r.headers.source])).toEqual([
      ['1', 'one', 'test'],
      ['2', 'two', 'test'],
    ]);
  });

  it('commits what a group consume printed and shows the lag as a table', async () => {
    const topic = name('cli');
    const group = name('cli-group');
    await sluice(['topics', 'create', topic]);
    await sluice(['produce', topic], 'a\nb\nc\nd\n');

    const consumed = await sluice([
      'consume',
      topic,
      '--group',
      group,
      '--from-beginning',
      '--max-messages',
      '3',
    ]);
    expect(consumed).toMatchObject({ code: 0, stdout: 'a\nb\nc\n' });

    const lag = await sluice(['groups', 'lag', group]);
    expect(lag.code).toBe(0);
    const [header, row, ...rest] = lag.stdout.trimEnd().split('\n');
    expect(header.split(/\s+/)).toEqual([
      'TOPIC',
      'PARTITION',
      'CURRENT-OFFSET',
      'LOG-END-OFFSET',
      'LAG',
      'CONSUMER-ID',
    ]);
    expect(row.split(/\s+/)).toEqual([topic, '0', '3', '4', '1', '-']);
    expect(rest).toEqual([]);
    const json = JSON.parse((await sluice(['groups', 'lag', group, '--json'])).stdout);
    expect(json).toEqual([
      { topic, partition: 0, currentOffset: '3', logEndOffset: '4', lag: '1', consumerId: null },
    ]);
    expect((await sluice(['groups', 'list'])).stdout.split('\n')).toContain(group);

    const rest1 = await sluice(['consume', topic, '--group', group, '--timeout-ms', '1000']);
    expect(rest1.stdout).toBe('d\n');
  });

  it('runs a Lambda-style handler with the poller runtime', async () => {
    const topic = name('cli');
    await sluice(['topics', 'create', topic]);
    await sluice(['produce', topic], 'x\ny\n');
    const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
    const file = join(dir, 'handler.js');
    const key = `seen-${topic}`;
    await writeFile(
      file,
      `exports.onBatch = async (event, context) => {
        const seen = (globalThis[${JSON.stringify(key)}] ??= []);
        for (const records of Object.values(event.records)) for (const r of records) seen.push(Buffer.from(r.value, 'base64').toString());
        seen.push(event.eventSource, typeof context.getRemainingTimeInMillis);
        return { batchItemFailures: [] };
      };`,
    );

    const run = await sluice([
      'run-consumer',
      '--group',
      name('cli-run'),
      '--topics',
      topic,
      '--handler',
      `${file}:onBatch`,
      '--from-beginning',
      '--timeout-ms',
      '1500',
      '--json',
    ]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ reason: 'idle', committedRecords: 2 });
    expect((globalThis as Record<string, unknown>)[key]).toEqual(['x', 'y', 'SelfManagedKafka', 'function']);
    await rm(dir, { recursive: true, force: true });
  });

  it('reports an error as one line on stderr and exit code 1', async () => {
    const missing = await sluice(['consume', name('missing'), '--from-beginning']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^sluice: .+\n$/);

    const usage = await sluice(['produce']);
    expect(usage).toMatchObject({ code: 1, stdout: '' });
    expect(usage.stderr).toMatch(/Missing <topic>.*--help/);

    const unknown = await sluice(['topics', 'list', '--bogus']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/bogus/);
  });

  it('prints help to stdout', async () => {
    const help = await sluice(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('run-consumer');
    for (const command of ['topics', 'produce', 'consume', 'groups', 'run-consumer', 'console']) {
      const sub = await sluice([command, '--help']);
      expect(sub).toMatchObject({ code: 0, stderr: '' });
      expect(sub.stdout).toContain(`sluice ${command}`);
    }
  });
});
