/**
 * The CLI in Kafka's console-tool habits and in CLI words (issue 13): every case runs
 * `bin/sluice.js` in a child process against a real server.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliRun, runSluice } from '../support/cli-process';
import { startTestServer, type TestServer } from '../support/client-server';
import { uniqueName } from '../support/local-aws';

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'sluice-parity-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const name = (prefix: string) => uniqueName(prefix).slice(0, 40);

function sluice(args: string[], stdin = ''): Promise<CliRun> {
  return runSluice(args, { stdin, cwd: dir, env: { ...process.env, SLUICE_URL: server.url } });
}

/** The one `sluice: …` line of a failed run. */
function errorLine(run: CliRun): string {
  expect(run).toMatchObject({ code: 1, stdout: '' });
  const lines = run.stderr.split('\n').filter((line) => line.startsWith('sluice: '));
  expect(lines).toHaveLength(1);
  return lines[0];
}

/** Rows of a table the CLI printed, split into cells. */
function table(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/\s+/));
}

/** Joins `group` as an HTTP member that stays live (a long session) until the returned leave. */
async function liveMember(group: string, topic: string): Promise<() => Promise<void>> {
  const base = `${server.url}/v3/clusters/${server.cluster.config.clusterId}/consumer-groups/${group}/members`;
  const joined = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topics: [topic], session_timeout_ms: 120_000 }),
  });
  expect(joined.status).toBe(200);
  const { member_id: memberId, member_token: token } = (await joined.json()) as {
    member_id: string;
    member_token: string;
  };
  return async () => {
    const left = await fetch(`${base}/${memberId}`, {
      method: 'DELETE',
      headers: { 'sluice-member-token': token },
    });
    expect(left.status).toBe(204);
  };
}

describe('sluice speaks CLI to CLI users', () => {
  it('advises `sluice topics create` for a missing topic, not an HTTP endpoint', async () => {
    const missing = name('nope');
    for (const args of [
      ['topics', 'delete', missing],
      ['topics', 'describe', missing],
      ['consume', missing, '--from-beginning'],
      ['consume', missing, '--group', name('nope-group')],
    ]) {
      const line = errorLine(await sluice(args));
      expect(line).toContain(`sluice topics create ${missing} --partitions N`);
      expect(line).not.toMatch(/POST|\/v3\//);
    }
    const produced = errorLine(await sluice(['produce', missing, '--value', 'x']));
    expect(produced).toContain(`sluice topics create ${missing} --partitions N`);
    expect(produced).not.toMatch(/POST|\/v3\//);
  });

  it('advises --offset earliest|latest for an offset outside the log', async () => {
    const topic = name('range');
    await sluice(['topics', 'create', topic]);
    await sluice(['produce', topic], 'a\nb\nc\n');
    const line = errorLine(
      await sluice(['consume', topic, '--partition', '0', '--offset', '99', '--timeout-ms', '300']),
    );
    expect(line).toBe(
      `sluice: Offset 99 is outside partition 0 of topic "${topic}": its records are at offsets 0 to 2 and the next one will be 3. ` +
        'Use --offset earliest, --offset latest, or an offset from 0 to 3.',
    );
    expect(line).not.toContain('auto_offset_reset');
  });

  it.each([
    [['topics', 'list', '--bootstrap-server', 'localhost:9092'], /--url URL/],
    [['consume', 'orders', '--broker-list', 'localhost:9092'], /--url URL/],
    [['produce', 'orders', '--property', 'parse.key=true'], /--key-separator S/],
    [['produce', 'orders', '--property=key.separator=:'], /--key-separator S/],
    [['consume', 'orders', '--property', 'print.key=true'], /use --print-key/],
    [['consume', 'orders', '--property', 'print.timestamp=true'], /use --json/],
    [['consume', 'orders', '--consumer-property', 'group.id=billing'], /use --group billing/],
    [['consume', '--topic', 'orders'], /the topic is an argument, not an option: sluice consume orders/],
    [['topics', '--create', 'orders'], /sluice topics create <topic>/],
    [['topics', 'create', 'orders', '--replication-factor', '3'], /no replication factor/],
    [['groups', '--reset-offsets'], /sluice groups reset-offsets <group> --topic T/],
  ])('answers the Kafka tool option in %j with the Sluice equivalent', async (args, advice) => {
    const line = errorLine(await sluice(args));
    expect(line).toMatch(/^sluice: Unknown option --/);
    expect(line).toMatch(advice);
    expect(line).toContain(`(see: sluice ${args[0]} --help)`);
    // Not Node's parser text.
    expect(line).not.toContain('To specify a positional argument');
  });

  it('answers a Kafka option before the command, and a reset option given to another action', async () => {
    expect(errorLine(await sluice(['--bootstrap-server', 'localhost:9092', 'topics', 'list']))).toMatch(
      /^sluice: Unknown option --bootstrap-server localhost:9092: .*use --url URL.*\(see: sluice --help\)$/,
    );
    expect(errorLine(await sluice(['groups', 'list', '--to-earliest']))).toBe(
      'sluice: --to-earliest is an option of sluice groups reset-offsets, not of groups list (see: sluice groups --help)',
    );
  });

  it('words option values the parser refuses in its own terms', async () => {
    expect(errorLine(await sluice(['topics', 'create', 'x', '--partitions']))).toBe(
      'sluice: --partitions needs a value (see: sluice topics --help)',
    );
    expect(errorLine(await sluice(['produce', 'x', '--value', '--json']))).toContain(
      'a value that starts with "-" is written --value=--json',
    );
    expect(errorLine(await sluice(['topics', 'list', '--json=yes']))).toBe(
      'sluice: --json takes no value, got "yes" (see: sluice topics --help)',
    );
  });

  it('says which AWS settings to set when there are no credentials to sign with', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
    };
    const run = await runSluice(
      ['topics', 'list', '--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com'],
      {
        cwd: dir,
        env,
      },
    );
    const line = errorLine(run);
    expect(line).toMatch(/^sluice: No AWS credentials found/);
    expect(line).toContain('AWS_PROFILE');
    expect(line).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(line).not.toContain('Could not load credentials from any providers');
  });
});

describe('sluice has the Kafka tools’ habits', () => {
  it('prints its version from package.json', async () => {
    const manifest = JSON.parse(await readFile(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(await sluice(['--version'])).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  });

  it('consume ends with "Processed a total of N messages" on stderr', async () => {
    const topic = name('count');
    await sluice(['topics', 'create', topic]);
    await sluice(['produce', topic], 'a\nb\n');
    const run = await sluice(['consume', topic, '--from-beginning', '--max-messages', '2', '--json']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(2);
    expect(run.stderr).toBe('Processed a total of 2 messages\n');
    const idle = await sluice(['consume', topic, '--timeout-ms', '300']);
    expect(idle).toEqual({ code: 0, stdout: '', stderr: 'Processed a total of 0 messages\n' });
  });

  it('groups describe shows "-" where the group has committed nothing', async () => {
    const topic = name('dash');
    const group = name('dash-group');
    await sluice(['topics', 'create', topic, '--partitions', '2']);
    await sluice(['produce', topic, '--partition', '0'], 'a\nb\n');
    await sluice(['consume', topic, '--group', group, '--from-beginning', '--max-messages', '2']);

    const described = await sluice(['groups', 'describe', group]);
    expect(described.code).toBe(0);
    expect(table(described.stdout)).toEqual([
      ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID'],
      [topic, '0', '2', '2', '0', '-'],
      [topic, '1', '-', '0', '-', '-'],
    ]);
    const json = JSON.parse((await sluice(['groups', 'lag', group, '--json'])).stdout);
    expect(json[1]).toEqual({
      topic,
      partition: 1,
      currentOffset: null,
      logEndOffset: '0',
      lag: null,
      consumerId: null,
    });
  });

  it('groups reset-offsets prints the plan, changes nothing without --execute, and moves the group with it', async () => {
    const topic = name('reset');
    const group = name('reset-group');
    await sluice(['topics', 'create', topic]);
    await sluice(['produce', topic], 'a\nb\nc\nd\n');
    await sluice(['consume', topic, '--group', group, '--from-beginning', '--max-messages', '4']);
    const committed = async () => table((await sluice(['groups', 'lag', group])).stdout)[1][2];
    expect(await committed()).toBe('4');

    const dry = await sluice(['groups', 'reset-offsets', group, '--topic', topic, '--to-earliest']);
    expect(dry.code).toBe(0);
    expect(table(dry.stdout)).toEqual([
      ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'],
      [group, topic, '0', '0'],
    ]);
    expect(dry.stderr).toBe('Dry run: nothing changed. Add --execute to reset the offsets.\n');
    expect(await committed()).toBe('4');

    const plan = async (...to: string[]) =>
      table((await sluice(['groups', 'reset-offsets', group, '--topic', topic, ...to])).stdout)[1][3];
    expect(await plan('--to-latest')).toBe('4');
    expect(await plan('--to-offset', '99')).toBe('4');
    expect(await plan('--to-datetime', '2000-01-01T00:00:00Z')).toBe('0');
    expect(await plan('--to-datetime', '2999-01-01T00:00:00.000')).toBe('4');

    const executed = await sluice([
      'groups',
      'reset-offsets',
      group,
      '--topic',
      topic,
      '--to-offset',
      '2',
      '--execute',
    ]);
    expect(executed.code).toBe(0);
    expect(table(executed.stdout)[1]).toEqual([group, topic, '0', '2']);
    expect(executed.stderr).toBe(`Reset the offsets of group ${group} on topic ${topic}.\n`);
    expect(await committed()).toBe('2');
    const resumed = await sluice(['consume', topic, '--group', group, '--timeout-ms', '1000']);
    expect(resumed.stdout).toBe('c\nd\n');

    expect(errorLine(await sluice(['groups', 'reset-offsets', group, '--topic', topic]))).toContain(
      'Say where to: --to-earliest, --to-latest, --to-datetime ISO or --to-offset N',
    );
    expect(
      errorLine(
        await sluice(['groups', 'reset-offsets', group, '--topic', topic, '--to-datetime', 'yesterday']),
      ),
    ).toContain('--to-datetime takes a date and time');
  });

  it('refuses reset-offsets and delete while the group has live members, then deletes it', async () => {
    const topic = name('busy');
    const group = name('busy-group');
    await sluice(['topics', 'create', topic]);
    await sluice(['produce', topic], 'a\n');
    const leave = await liveMember(group, topic);

    for (const args of [
      ['groups', 'reset-offsets', group, '--topic', topic, '--to-earliest'],
      ['groups', 'reset-offsets', group, '--topic', topic, '--to-earliest', '--execute'],
      ['groups', 'delete', group],
    ]) {
      const line = errorLine(await sluice(args));
      expect(line).toMatch(new RegExp(`Consumer group "${group}" has 1 live member \\(consumer-`));
      expect(line).toContain('only while the group is empty');
      expect(line).toContain(`sluice groups describe ${group}`);
    }
    expect((await sluice(['groups', 'list'])).stdout.split('\n')).toContain(group);

    await leave();
    expect(await sluice(['groups', 'delete', group])).toEqual({
      code: 0,
      stdout: '',
      stderr: `Deletion of requested consumer groups ('${group}') was successful.\n`,
    });
    expect((await sluice(['groups', 'list'])).stdout.split('\n')).not.toContain(group);
    const gone = errorLine(await sluice(['groups', 'describe', group]));
    expect(gone).toContain(`Consumer group "${group}" does not exist`);
    expect(gone).toContain('`sluice groups list` shows the groups');
    expect(errorLine(await sluice(['groups', 'delete', group]))).toContain('does not exist');
  });
});
