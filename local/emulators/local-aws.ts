import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { type Edge, startEdge } from './edge';
import { startOrphanGuard } from './orphan-guard';
import { removePidFile, stopLeftoverEmulators, writePidFile } from './pid-file';
import { type S3rverProcess, startS3rver } from './s3rver';

/** Options of {@link startLocalAws}. */
export interface LocalAwsOptions {
  /**
   * Undefined: DynamoDB in memory and S3 objects in a fresh temporary directory, deleted on
   * `stop()`. Set: tables in `<dataDir>/dynamodb` and objects in `<dataDir>/s3`, kept
   * across restarts with the same directory.
   */
  readonly dataDir?: string;
  /** Port of the edge; 0 or undefined picks a free one. */
  readonly port?: number;
  /** When `port` is taken, use a free one instead of failing (compare `endpoint`). @default false */
  readonly fallbackToFreePort?: boolean;
  /** Receives the emulators' output and the edge's refusals, one line at a time. */
  readonly log?: (line: string) => void;
}

/**
 * The edge's port for `npm start`, so `AWS_ENDPOINT_URL=http://127.0.0.1:4577` for
 * `sluice run-consumer` stays the same from one start to the next. Not LocalStack's 4566 (a
 * command pointed at one must never silently reach the other), nor a port of Kafka's tools.
 */
export const DEFAULT_LOCAL_AWS_PORT = 4577;

/** DynamoDB and S3 emulators behind one endpoint. */
export interface LocalAws {
  /** The single edge, e.g. `http://127.0.0.1:4566`; use it as `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  /** Each emulator's own endpoint behind the edge (for diagnostics; clients use `endpoint`). */
  readonly emulators: Readonly<Record<'dynamodb' | 's3', string>>;
  /** Stops the edge and both emulators, and deletes the data when it was temporary. */
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local and s3rver on free loopback ports, in parallel, and one edge in front
 * of them, so every SDK client can share one endpoint as with LocalStack. Needs Java 17+
 * (check first with `assertJavaAvailable()` for a clear message). About 2 s in memory.
 *
 * @example
 * const aws = await startLocalAws({ dataDir: '.sluice', port: 4566, log: console.log });
 * process.env.AWS_ENDPOINT_URL = aws.endpoint;
 * // ...
 * await aws.stop();
 */
export async function startLocalAws(opts: LocalAwsOptions = {}): Promise<LocalAws> {
  const temporary = opts.dataDir === undefined;
  const root = temporary ? await mkdtemp(join(tmpdir(), 'sluice-aws-')) : resolve(opts.dataDir as string);
  const dbPath = temporary ? undefined : join(root, 'dynamodb');
  const s3Dir = join(root, 's3');
  await Promise.all([mkdir(s3Dir, { recursive: true }), dbPath && mkdir(dbPath, { recursive: true })]);

  if (!temporary) await stopLeftoverEmulators(root, (line) => console.error(line));
  const guard = startOrphanGuard();
  if (temporary) guard.remove(root);
  const pids = new Set<number>();
  const watch = (pid: number | undefined) => {
    if (pid === undefined) return;
    pids.add(pid);
    guard.watch(pid);
    if (!temporary) writePidFile(root, [...pids]);
  };
  // Cheap insurance for a parent that exits without stop(): 'exit' handlers must be synchronous.
  const killOnExit = () => {
    for (const pid of pids) signal(pid, 'SIGTERM');
  };
  process.once('exit', killOnExit);

  const started = await Promise.allSettled([
    startDynamoDbLocal({ dbPath, cwd: dbPath ?? root, log: opts.log, onSpawn: watch }),
    startS3rver({ directory: s3Dir, log: opts.log, onSpawn: watch }),
  ]);
  const [ddb, s3] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined)) as [
    DynamoDbLocal | undefined,
    S3rverProcess | undefined,
  ];
  let edge: Edge | undefined;
  const stop = async () => {
    await edge?.close();
    await Promise.all([ddb?.stop(), s3?.stop()]);
    process.off('exit', killOnExit);
    guard.dispose();
    if (!temporary) removePidFile(root);
    if (temporary) await rm(root, { recursive: true, force: true });
  };

  try {
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    edge = await startEdge({
      upstreams: { dynamodb: (ddb as DynamoDbLocal).endpoint, s3: (s3 as S3rverProcess).endpoint },
      port: opts.port,
      fallbackToFreePort: opts.fallbackToFreePort,
      log: opts.log,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint: edge.endpoint,
    emulators: { dynamodb: (ddb as DynamoDbLocal).endpoint, s3: (s3 as S3rverProcess).endpoint },
    stop: once(stop),
  };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => {
    result ??= fn();
    return result;
  };
}
