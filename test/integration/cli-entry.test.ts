import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliRun, ownLines, runSluice } from '../support/cli-process';
import { startTestServer, type TestServer } from '../support/client-server';
import { uniqueName } from '../support/local-aws';

let server: TestServer;
let dir: string;
/** What a produce request to a deployed endpoint takes at least, in region (ms). */
const DEPLOYED_ROUND_TRIP_MS = 30;

beforeAll(async () => {
  server = await startTestServer({
    // The steady-pipe test's produce requests take as long as a deployed endpoint's, whatever
    // this machine's speed: the producer's adaptive linger reads the rate against the request
    // time, and a local answer in a few ms would make that test depend on how fast it ran.
    intercept: async (request, next) => {
      if (request.method !== 'POST' || !request.path.includes('/topics/bin-pipe')) return next();
      const [answer] = await Promise.all([
        next(),
        new Promise((wait) => setTimeout(wait, DEPLOYED_ROUND_TRIP_MS)),
      ]);
      return answer;
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'sluice-bin-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const name = (prefix: string) => uniqueName(prefix).slice(0, 40);

/** Runs `bin/sluice.js …` against the test server, in `dir`. */
function sluice(args: string[], stdin = '', env: Record<string, string> = {}): Promise<CliRun> {
  return runSluice(args, { stdin, cwd: dir, env: { ...process.env, SLUICE_URL: server.url, ...env } });
}

describe('bin/sluice.js in a child process', () => {
  it('topics create, list, describe and delete', async () => {
    const topic = name('bin-topics');
    expect(await sluice(['topics', 'create', topic, '--partitions', '2'])).toMatchObject({ code: 0 });
    expect((await sluice(['topics', 'list'])).stdout.split('\n')).toContain(topic);
    expect((await sluice(['topics', 'describe', topic])).stdout).toContain(
      `Topic: ${topic}\tPartitionCount: 2`,
    );
    expect(await sluice(['topics', 'delete', topic])).toMatchObject({ code: 0 });
  });

  it('produce from stdin, consume it back, and list the group', async () => {
    const topic = name('bin-produce');
    const group = name('bin-group');
    await sluice(['topics', 'create', topic]);
    expect(await sluice(['produce', topic], 'first\nsecond\n')).toMatchObject({ code: 0 });
    const consumed = await sluice([
      'consume',
      topic,
      '--group',
      group,
      '--from-beginning',
      '--max-messages',
      '2',
    ]);
    expect(consumed).toMatchObject({ code: 0, stdout: 'first\nsecond\n' });
    expect((await sluice(['groups', 'list'])).stdout.split('\n')).toContain(group);
    expect((await sluice(['groups', 'describe', group])).code).toBe(0);
  });

  it('produce batches a steady pipe like the client: few requests, every line acknowledged in order', async () => {
    const topic = name('bin-pipe');
    await sluice(['topics', 'create', topic]);
    const lines = Array.from({ length: 6_000 }, (_, i) => `line-${i}`);
    // 20 lines every 10 ms for 3 s, once the command has sent its first request (the child's
    // start-up would otherwise buffer the pipe): a live source, not a file read at once.
    const chunks = Array.from({ length: 300 }, (_, c) => `${lines.slice(c * 20, c * 20 + 20).join('\n')}\n`);
    const posts = () =>
      server.requests.filter((r) => r === `POST /v3/clusters/local/topics/${topic}/records:batch`).length;
    const started = async () => {
      while (posts() === 0) await new Promise((wait) => setTimeout(wait, 5));
    };
    const produced = await runSluice(['produce', topic, '--verbose'], {
      stdin: { chunks, everyMs: 10, afterFirst: started },
      cwd: dir,
      env: { ...process.env, SLUICE_URL: server.url },
    });
    expect(produced.code).toBe(0);
    // --verbose reports partition:offset of each line on stderr, in input order.
    expect(produced.stderr.trim().split('\n')).toEqual(lines.map((_, i) => `0:${i}`));
    // The linger grows while lines keep coming (10 doublings, then one request per 2 s); with
    // a fixed 5 ms linger the same pipe sends one per request time and linger, about 60.
    expect(posts()).toBeLessThanOrEqual(15);

    const consumed = await sluice([
      'consume',
      topic,
      '--from-beginning',
      '--max-messages',
      '6000',
      '--group',
      name('bin-pipe-group'),
    ]);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toEqual(lines);
  });

  it.each([
    [
      'handler.js',
      "exports.handler = async (event) => { require('node:fs').appendFileSync(process.env.OUT, values(event)); return {}; };",
    ],
    [
      'handler.mjs',
      "import { appendFileSync } from 'node:fs';\nexport const handler = async (event) => { appendFileSync(process.env.OUT, values(event)); return {}; };",
    ],
    [
      'handler.ts',
      "import { appendFileSync } from 'node:fs';\nexport const handler = async (event: any): Promise<object> => { appendFileSync(process.env.OUT as string, values(event)); return {}; };",
    ],
  ])('run-consumer delivers real records to a %s handler', async (file, source) => {
    const topic = name('bin-run');
    const out = join(dir, `${file}.out`);
    // The same helper in each module system: every record's value, one per line.
    const helper =
      "function values(event) { return Object.values(event.records).flat().map((r) => Buffer.from(r.value, 'base64').toString() + '\\n').join(''); }\n";
    await writeFile(
      join(dir, file),
      source +
        (file.endsWith('.ts') ? helper.replace('values(event)', 'values(event: any): string') : helper),
    );
    await sluice(['topics', 'create', topic]);
    await sluice(['produce', topic], 'a\nb\nc\n');

    const run = await sluice(
      [
        'run-consumer',
        '--group',
        name('bin-run'),
        '--topics',
        topic,
        '--handler',
        file,
        '--from-beginning',
        '--timeout-ms',
        '1500',
        '--json',
      ],
      '',
      { OUT: out },
    ).then(async (result) => ({ ...result, delivered: await readFile(out, 'utf8').catch(() => '') }));
    expect(ownLines(run.stderr)).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ committedRecords: 3 });
    expect(run.delivered).toBe('a\nb\nc\n');
  });
});
