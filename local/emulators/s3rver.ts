import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { stopChild } from './child';
import { createOutputTail } from './output';

/**
 * Runs in its own Node process, for two reasons: ListObjectsV2 pagination in s3rver 3.7.1
 * needs `--openssl-legacy-provider`, which only a process's command line can turn on; and S3
 * work then uses a second core instead of competing with the caller. A string, because a
 * child process cannot run TypeScript.
 *
 * s3rver only knows its own dummy access key and answers others with InvalidAccessKeyId;
 * like LocalStack, any key is accepted here (s3rver never verifies SigV4 signatures anyway).
 */
const S3RVER_SCRIPT = `
'use strict';
const { modulePath, accountPath, directory } = JSON.parse(process.env.SLUICE_S3RVER);
const S3rver = require(modulePath);
const AWSAccount = require(accountPath);
const known = AWSAccount.registry.get.bind(AWSAccount.registry);
AWSAccount.registry.get = (id) => known(id) || AWSAccount.DUMMY_ACCOUNT;
const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
server.on('error', (err) => { if (!(err.status < 500)) console.error(err.stack || String(err)); });
process.on('disconnect', () => process.exit(0));
server.run().then(
  (address) => process.send({ port: address.port }),
  (err) => { console.error(err.stack || String(err)); process.exit(1); },
);
`;

/** Options of {@link startS3rver}. */
export interface S3rverOptions {
  /** Where s3rver keeps buckets and objects. */
  readonly directory: string;
  /** Receives every line s3rver prints (server errors), prefixed `[s3] `. */
  readonly log?: (line: string) => void;
  /** How long to wait for s3rver to listen. @default 30000 */
  readonly readyTimeoutMs?: number;
  /** Called with the child's pid as soon as it is spawned. */
  readonly onSpawn?: (pid: number | undefined) => void;
}

/** A running s3rver. */
export interface S3rverProcess {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts s3rver 3.7.1 in a child Node process on a free loopback port, storing objects
 * under `directory`. The child exits by itself when its parent dies.
 *
 * @example
 * const s3 = await startS3rver({ directory: join(tmpDir, 's3') });
 * // ... talk to s3.endpoint with forcePathStyle
 * await s3.stop();
 */
export async function startS3rver(opts: S3rverOptions): Promise<S3rverProcess> {
  const root = dirname(require.resolve('s3rver/package.json'));
  const env = {
    ...process.env,
    SLUICE_S3RVER: JSON.stringify({
      modulePath: root,
      accountPath: join(root, 'lib', 'models', 'account.js'),
      directory: opts.directory,
    }),
  };
  // Its own process group, so a terminal's Ctrl-C does not stop it before the caller's
  // orderly stop; it still exits by itself when the caller dies (the IPC channel closes).
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', S3RVER_SCRIPT], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  opts.onSpawn?.(child.pid);
  const tail = createOutputTail({ log: opts.log });
  tail.follow(child.stdout, '[s3] ');
  tail.follow(child.stderr, '[s3] ');
  try {
    const port = await waitForPort(child, opts.readyTimeoutMs ?? 30_000);
    return { endpoint: `http://127.0.0.1:${port}`, process: child, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child, { graceMs: 1_000 });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`s3rver did not start (${reason}); last output:\n${tail.text() || '(none)'}`);
  }
}

async function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown) => {
      const port = (message as { port?: unknown } | null)?.port;
      if (typeof port === 'number') settle(undefined, port);
    };
    const onExit = (code: number | null, signal: string | null) =>
      settle(new Error(`exited (${code ?? signal})`));
    const onError = (error: Error) => settle(error);
    const settle = (error: Error | undefined, port = 0) => {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit).off('error', onError);
      if (error) reject(error);
      else resolve(port);
    };
    child.on('message', onMessage).on('exit', onExit).on('error', onError);
  });
}
