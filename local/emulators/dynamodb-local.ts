import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { sleep } from '../../shared/retry';
import { stopChild } from './child';
import { createOutputTail, type OutputTail } from './output';
import { findFreePort } from './ports';

/** Options of {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** Directory of the database file; undefined keeps everything in memory. */
  readonly dbPath?: string;
  /** Working directory of the JVM, so nothing it writes lands in the caller's checkout. */
  readonly cwd: string;
  /** Receives every line the JVM prints, prefixed `[dynamodb] `. */
  readonly log?: (line: string) => void;
  /** How long to wait for `ListTables` to answer. @default 60000 */
  readonly readyTimeoutMs?: number;
  /** Called with the JVM's pid as soon as it is spawned, before it is ready. */
  readonly onSpawn?: (pid: number | undefined) => void;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const POLL_INTERVAL_MS = 100;

/**
 * DynamoDB Local answers CORS preflights for any origin unless given an allow-list, and has
 * no way to turn CORS off. Its one allowed origin is under `.invalid`, a domain reserved never
 * to resolve (RFC 6761), so no web page can have it: a page on another site can send requests
 * but never read an answer, nor send the `X-Amz-Target` header every operation needs.
 */
export const DYNAMODB_LOCAL_CORS_ORIGIN = 'https://no-browser-access.invalid';
const BIND_ATTEMPTS = 3;

/**
 * Starts AWS's DynamoDB Local from the jar that `amplify-dynamodb-simulator` ships (its JS
 * wrapper is not used) on a free port, and resolves once `ListTables` answers. Uses one shared
 * database for every credential and region, as LocalStack does, and allows no web origin
 * ({@link DYNAMODB_LOCAL_CORS_ORIGIN}).
 *
 * DynamoDB Local (1.25) has no option for the address it binds: its Jetty server listens on
 * every interface (the wildcard address), so its port is reachable from the network unless a
 * firewall stops it. Everything Sluice itself talks to goes through loopback (the endpoint
 * is `127.0.0.1`); docs/security.md says what that exposes.
 *
 * @example
 * const ddb = await startDynamoDbLocal({ cwd: tmpDir });
 * // ... talk to ddb.endpoint
 * await ddb.stop();
 */
export async function startDynamoDbLocal(opts: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const tail = createOutputTail({ log: opts.log });
    const child = spawnJava(port, opts, tail);
    opts.onSpawn?.(child.pid);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilReady(endpoint, child, tail, opts.readyTimeoutMs ?? 60_000);
      return { endpoint, process: child, stop: () => stopChild(child) };
    } catch (error) {
      await stopChild(child, { graceMs: 1_000 });
      // Another process may grab the port between findFreePort and the JVM binding it.
      if (attempt < BIND_ATTEMPTS && /address already in use|BindException/i.test(tail.text())) continue;
      throw error;
    }
  }
}

function spawnJava(port: number, opts: DynamoDbLocalOptions, tail: OutputTail): ChildProcess {
  const dir = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  const storage = opts.dbPath === undefined ? ['-inMemory'] : ['-dbPath', opts.dbPath];
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-disableTelemetry',
    '-sharedDb',
    '-cors',
    DYNAMODB_LOCAL_CORS_ORIGIN,
    ...storage,
  ];
  // Its own process group: a Ctrl-C in the terminal signals the whole foreground group, and
  // the JVM must outlive it until the caller's orderly stop (pollers release their leases
  // first). The orphan guard stops it if the caller dies without stopping it.
  const child = spawn('java', args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  tail.follow(child.stdout, '[dynamodb] ');
  tail.follow(child.stderr, '[dynamodb] ');
  return child;
}

async function waitUntilReady(
  endpoint: string,
  child: ChildProcess,
  tail: OutputTail,
  timeoutMs: number,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'sluice', secretAccessKey: 'sluice-local' },
    maxAttempts: 1,
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const exited = spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;
      if (exited || Date.now() > deadline) {
        const why = exited
          ? `exited (${spawnError?.message ?? child.exitCode ?? child.signalCode})`
          : `did not answer ListTables within ${timeoutMs} ms`;
        throw new Error(`DynamoDB Local ${why}; last output:\n${tail.text() || '(none)'}`);
      }
      try {
        // A JVM that accepted the connection but hangs must not outlast the deadline.
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
        return;
      } catch {
        await sleep(POLL_INTERVAL_MS);
      }
    }
  } finally {
    client.destroy();
  }
}
