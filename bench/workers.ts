/**
 * The parent's side of the benchmark's worker processes: start one, call its tasks, stop it.
 * Each worker is a separate Node process, so its CPU time (`process.cpuUsage()`) is its own:
 * the server worker's CPU is Sluice's, the load worker's is the load generator's, and the
 * benchmark process itself keeps only the local edge.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, waitForExit } from '../local/emulators/child';
import type { WorkerTasks } from './worker';

/** A running worker process. */
export interface Worker {
  readonly name: string;
  /** Runs one task in the worker and resolves its result (structured-clone serialised). */
  call<K extends keyof WorkerTasks>(
    task: K,
    ...args: Parameters<WorkerTasks[K]>
  ): Promise<Awaited<ReturnType<WorkerTasks[K]>>>;
  /** Stops the process; safe to call more than once. */
  stop(): Promise<void>;
}

interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

/**
 * Forks `bench/worker.ts` under tsx and waits for it to say it is ready. A worker exits by
 * itself when its parent goes away (the IPC channel closes).
 *
 * @example
 * const server = await startWorker('server');
 * const { baseUrl } = await server.call('serve', config);
 */
export async function startWorker(name: string): Promise<Worker> {
  const child: ChildProcess = fork(join(__dirname, 'worker.ts'), [name], {
    cwd: join(__dirname, '..'),
    // BENCH_NODE_FLAGS: node flags for the workers, for experiments (e.g. GC sizes); none by default.
    execArgv: [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let exited: Error | undefined;
  child.on('message', (message: Reply | 'ready') => {
    if (message === 'ready') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`${name} worker: ${message.error}`));
    else waiter?.resolve(message.result);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`the ${name} worker exited (${signal ?? `code ${code}`})`);
    for (const waiter of pending.values()) waiter.reject(exited);
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (message !== 'ready') return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = () => reject(new Error(`the ${name} worker exited before it was ready`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  let stopped: Promise<void> | undefined;
  return {
    name,
    call: (task, ...args) => {
      if (exited) return Promise.reject(exited);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, task, args });
      });
    },
    stop: () => {
      // Closing the IPC channel lets the worker exit by itself (and write a --cpu-prof
      // profile, if one was asked for); a signal only if it does not.
      stopped ??= (async () => {
        if (child.connected) child.disconnect();
        if (!(await waitForExit(child, 3_000))) await stopChild(child, { graceMs: 3_000 });
      })();
      return stopped;
    },
  };
}
