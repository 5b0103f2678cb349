import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalAws } from '../../local/emulators';
import { PID_FILE } from '../../local/emulators/pid-file';
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { runLocalBackboneToEnd, startLocalBackbone } from '../support/local-backbone';

/**
 * `npm start` stopped as users stop it: Ctrl-C in a terminal (SIGINT to the whole foreground
 * process group: npm, the shell, node — and the emulators, were they in that group), SIGTERM
 * to the process, and SIGKILL of the whole group. Afterwards the lease items of the group it
 * ran are read straight from the data it kept.
 */
const GROUP = 'noter';

/** Starts the backbone with the config and handler `beforeEach` wrote into `dataDir`. */
function startBackbone(dataDir: string, command: 'npm start' | 'node', env: NodeJS.ProcessEnv = {}) {
  return startLocalBackbone({ dataDir, configFile: join(dataDir, 'sluice.config.json'), command, env });
}

/** Resolves once `predicate` holds, polling; fails after `ms` with `what`. */
async function until(predicate: () => Promise<boolean> | boolean, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every partition of the group's topic has an owner (the poller took its leases). */
async function leasesHeld(url: string): Promise<boolean> {
  const response = await fetch(`${url}/v3/clusters/local/consumer-groups/${GROUP}/lags`);
  if (response.status !== 200) return false;
  const body = (await response.json()) as { data: { consumer_id: string }[] };
  return body.data.length === 3 && body.data.every((lag) => lag.consumer_id !== '');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function emulatorPids(dataDir: string): Promise<number[]> {
  return JSON.parse(await readFile(join(dataDir, PID_FILE), 'utf8')).pids;
}

/** Processes whose command line names the data directory (Linux; elsewhere the pid check stands alone). */
async function processesUsing(dataDir: string): Promise<number[]> {
  if (!existsSync('/proc')) return [];
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dataDir)) found.push(Number(entry));
  }
  return found;
}

/** Reads the group's lease items from the data the backbone kept, with emulators of our own. */
async function leaseItems(dataDir: string) {
  const aws = await startLocalAws({ dataDir });
  const cluster = createCluster({ ...configFromEnv({}), endpoint: aws.endpoint });
  try {
    return await cluster.groups.snapshot(GROUP);
  } finally {
    cluster.close();
    await aws.stop();
  }
}

describe('stopping npm start', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-stop-'));
    await writeFile(
      join(dataDir, 'sluice.config.json'),
      JSON.stringify({
        topics: [{ name: 'declared', partitions: 3 }],
        // A polling group: these tests are about the leases its poller holds while it runs.
        consumers: [
          {
            group: GROUP,
            topics: ['declared'],
            handler: 'noter.js',
            maxBatchingWindowMs: 50,
            trigger: 'poller',
          },
        ],
      }),
    );
    await writeFile(join(dataDir, 'noter.js'), 'exports.handler = async () => {};\n');
  });
  afterEach(async () => {
    for (const pid of await processesUsing(dataDir)) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['Ctrl-C (SIGINT to the whole process group of npm start)', 'npm start', 'group'],
    ['SIGTERM to the process', 'node', 'process'],
    // How a supervisor or a test harness stops the child it spawned: the shell npm runs the
    // script in passes no signal on, so the backbone stops because its parent went.
    ['SIGTERM to npm start alone', 'npm start', 'process'],
  ] as const)(
    'hands every lease back before the emulators stop, on %s',
    async (_name, command, target) => {
      const backbone = await startBackbone(dataDir, command);
      await until(() => leasesHeld(backbone.url), 'the poller to take its leases');
      const pids = await emulatorPids(dataDir);
      expect(pids.length).toBeGreaterThanOrEqual(2);

      const exit = await (target === 'group'
        ? backbone.stop('SIGINT', 'group')
        : backbone.stop('SIGTERM', 'process'));

      const output = backbone.output();
      expect(output).not.toMatch(/could not release a lease|ECONNREFUSED/);
      // The backbone finished its orderly stop; npm then re-raises the SIGINT on itself, as a
      // shell expects of a job stopped by Ctrl-C.
      expect(output).toMatch(/\nstopped\n/);
      expect(exit).toEqual(
        command === 'node'
          ? { code: 0, signal: null }
          : { code: null, signal: target === 'group' ? 'SIGINT' : 'SIGTERM' },
      );
      expect(pids.filter(alive)).toEqual([]);
      expect(await processesUsing(dataDir)).toEqual([]);
      expect(existsSync(join(dataDir, PID_FILE))).toBe(false);

      const { leases, members } = await leaseItems(dataDir);
      expect(leases).toHaveLength(3);
      expect(leases.filter((lease) => lease.owner !== undefined)).toEqual([]);
      expect(members).toEqual([]);
    },
    240_000,
  );

  it('leaves no emulator behind after SIGKILL of the whole group, and says why the next start waits', async () => {
    const first = await startBackbone(dataDir, 'npm start');
    await until(() => leasesHeld(first.url), 'the poller to take its leases');
    const pids = await emulatorPids(dataDir);
    await first.stop('SIGKILL', 'group');
    // The orphan guard, in a process group of its own, stops the emulators.
    await until(() => pids.every((pid) => !alive(pid)), 'the emulators to stop');

    const second = await startBackbone(dataDir, 'node');
    try {
      await until(
        () =>
          /waiting for partition declared-\d, still leased to poller-\S+ .* until \d{4}-/.test(
            second.output(),
          ),
        'the wait for the old leases to be logged',
      );
    } finally {
      expect((await second.stop('SIGTERM', 'process')).code).toBe(0);
    }
  }, 240_000);
});

describe('the AWS endpoint port of npm start', () => {
  let dataDir: string;
  let blocker: Server;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-port-'));
    await writeFile(join(dataDir, 'sluice.config.json'), '{}');
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('uses SLUICE_AWS_PORT, and falls back to a free port with a clear line when it is taken', async () => {
    const taken = (blocker.address() as { port: number }).port;
    const backbone = await startBackbone(dataDir, 'node', { SLUICE_AWS_PORT: String(taken) });
    try {
      expect(backbone.output()).toContain(`port ${taken} for the AWS APIs is taken`);
      const endpoint = /export AWS_ENDPOINT_URL=(\S+)/.exec(backbone.output())?.[1];
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(endpoint).not.toContain(`:${taken}`);
    } finally {
      await backbone.stop('SIGTERM', 'process');
    }
    // Free, the same port is used as given.
    await new Promise((resolve) => blocker.close(resolve));
    const again = await startBackbone(dataDir, 'node', { SLUICE_AWS_PORT: String(taken) });
    try {
      expect(again.output()).toContain(`export AWS_ENDPOINT_URL=http://127.0.0.1:${taken}`);
    } finally {
      await again.stop('SIGTERM', 'process');
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    }
  }, 240_000);
});

describe('npm start with a wrong sluice.config.json', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Runs the entry point to its end; a config error ends it before any emulator starts. */
  async function run(config: string): Promise<{ code: number | null; stderr: string }> {
    const { exit, stderr } = await runLocalBackboneToEnd({
      dataDir: dir,
      configFile: config,
      command: 'node',
    });
    return { code: exit.code, stderr };
  }

  it('exits 1 naming the misspelt key', async () => {
    const file = join(dir, 'typo.json');
    await writeFile(file, JSON.stringify({ topics: [{ name: 'orders', partition: 4 }] }));
    const { code, stderr } = await run(file);
    expect(code).toBe(1);
    expect(stderr).toContain('topics[0] ("orders") has the key "partition"');
    expect(stderr).toContain('did you mean "partitions"?');
    expect(existsSync(join(dir, PID_FILE))).toBe(false);
  });

  it('exits 1 when the file SLUICE_CONFIG names does not exist', async () => {
    const { code, stderr } = await run(join(dir, 'missing.json'));
    expect(code).toBe(1);
    expect(stderr).toContain('missing.json does not exist');
  });
});
