/**
 * A benchmark worker process (see `bench/workers.ts` for the parent's side). The benchmark
 * runs two: the "server" worker serves the real HTTP API and also runs every raw-store
 * baseline and the contention writers, so Sluice's SDK calls and the baselines' run in the
 * same kind of process; the "load" worker is the HTTP load generator. Each process's CPU
 * time is therefore its own.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Cluster, createCluster } from '../shared/cluster';
import type { SluiceConfig } from '../shared/config';
import { createNodeServer } from '../shared/http/node-server';
import { createHttpApi } from '../shared/http/router';
import { AwsRequestCounter } from '../shared/storage/aws';
import {
  type ChainKind,
  type ChainPool,
  createChainPool,
  measureDynamoPut,
  measureRawChain,
  measureS3Put,
} from './baseline';
import { type ContentionPool, createContentionPool, type OffsetCheck } from './contention';
import { checkBatchAnswer } from './http-client';
import { runClosedLoop } from './load';
import { sampleSegment } from './produce';
import { quietSdkWarnings } from './quiet';
import { openRawConnection, rawPost } from './raw-http';
import { cpuMicros, type Round, toRound } from './rounds';

interface WorkerState {
  config?: SluiceConfig;
  server?: Server;
  cluster?: Cluster;
  readonly counter: AwsRequestCounter;
  readonly chains: Map<string, ChainPool>;
  readonly contention: Map<string, ContentionPool>;
}

const state: WorkerState = {
  counter: new AwsRequestCounter(),
  chains: new Map(),
  contention: new Map(),
};

function configured(): SluiceConfig {
  if (!state.config) throw new Error('call "serve" first: the worker has no configuration');
  return state.config;
}

/** Limits of one closed-loop round. */
interface Limits {
  readonly concurrency: number;
  readonly total: number;
  readonly maxMs: number;
}

/** The tasks a worker runs; each takes at most one argument and returns a cloneable value. */
const tasks = {
  /** Serves the HTTP API on a free loopback port with its own counted cluster. */
  async serve(config: SluiceConfig): Promise<{ baseUrl: string }> {
    state.config = config;
    const cluster = createCluster(config, { counter: state.counter });
    state.cluster = cluster;
    const api = createHttpApi(cluster, { onError: (error) => console.error(`[server] ${String(error)}`) });
    const server = createNodeServer({ api, maxRequestBytes: config.maxRequestBytes });
    state.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  },

  /** CPU time (user + system) this process has used, in µs. */
  cpu: async (): Promise<number> => cpuMicros(),

  /** The server cluster's AWS calls so far; `reset` starts counting from zero again. */
  async counts(reset: boolean): Promise<Record<string, number>> {
    const snapshot = state.counter.snapshot();
    if (reset) state.counter.reset();
    return snapshot;
  },

  /** Raw PutObject of one produce request's segment. */
  async s3Put(args: Limits & { recordsPerRequest: number; recordBytes: number }): Promise<Round> {
    return measureS3Put({ config: configured(), ...args }, sampleSegment(args));
  },

  /** Raw PutItem of an index-shaped item at fresh keys. */
  async dynamodbPut(args: Limits): Promise<Round> {
    return measureDynamoPut({ config: configured(), ...args });
  },

  /** Opens warm raw-chain writers (see `createChainPool`). */
  async chainOpen(args: {
    pool: string;
    writers: number;
    clientPerWriter: boolean;
    sharedPartition: boolean;
    recordsPerAppend: number;
    recordsPerSegment: number;
    recordBytes: number;
  }): Promise<void> {
    const segment = sampleSegment({
      recordsPerRequest: args.recordsPerSegment,
      recordBytes: args.recordBytes,
    });
    state.chains.set(args.pool, createChainPool({ config: configured(), ...args, segment }));
  },

  async chainRound(args: { pool: string; kind: ChainKind; total: number; maxMs: number }): Promise<Round> {
    const pool = state.chains.get(args.pool);
    if (!pool) throw new Error(`no chain pool ${args.pool}`);
    return pool.round(args.kind, args);
  },

  async chainClose(pool: string): Promise<void> {
    state.chains.get(pool)?.close();
    state.chains.delete(pool);
  },

  /** Opens `producers` warm clusters appending to partition 0 of `topic`. */
  async contentionOpen(args: { topic: string; producers: number; recordBytes: number }): Promise<void> {
    state.contention.set(
      args.topic,
      await createContentionPool(configured(), args.topic, args.producers, args.recordBytes),
    );
  },

  async contentionRound(args: { topic: string; maxMs: number }) {
    const pool = state.contention.get(args.topic);
    if (!pool) throw new Error(`no contention pool for ${args.topic}`);
    return pool.round(args.maxMs);
  },

  async contentionClose(topic: string): Promise<OffsetCheck> {
    const pool = state.contention.get(topic);
    if (!pool) throw new Error(`no contention pool for ${topic}`);
    state.contention.delete(topic);
    return pool.close();
  },

  /** PutObject → PutItem → Query → GetObject, one at a time: the end-to-end baseline. */
  async rawChainLatency(args: { samples: number; maxMs: number; recordBytes: number }) {
    const segment = sampleSegment({ recordsPerRequest: 1, recordBytes: args.recordBytes });
    return measureRawChain(configured(), segment, args.samples, args.maxMs);
  },

  /**
   * The load generator: `concurrency` clients send `records:batch` requests back to back,
   * client i always the body `bodies[i]`, each over its own keep-alive connection, opened
   * for the round.
   */
  async produce(args: Limits & { url: string; bodies: string[] }): Promise<Round> {
    const requests = args.bodies.map((body) => rawPost(args.url, body));
    const connections = await Promise.all(requests.map(() => openRawConnection(args.url)));
    try {
      const begin = cpuMicros();
      const run = await runClosedLoop({
        ...args,
        operation: async (client) => {
          const { status, body } = await connections[client].send(requests[client]);
          checkBatchAnswer(status, body.toString());
          return true;
        },
      });
      return toRound(run, cpuMicros() - begin);
    } finally {
      for (const connection of connections) connection.close();
    }
  },
};

/** The worker's task table, for the parent's typed calls. */
export type WorkerTasks = typeof tasks;

interface Call {
  readonly id: number;
  readonly task: keyof WorkerTasks;
  readonly args: unknown[];
}

if (require.main === module) {
  quietSdkWarnings();
  process.on('message', (call: Call) => {
    const task = tasks[call.task] as (...args: unknown[]) => Promise<unknown>;
    task(...call.args).then(
      (result) => process.send?.({ id: call.id, result }),
      (error: unknown) =>
        process.send?.({
          id: call.id,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    );
  });
  // The parent went away (done, failed or interrupted): nothing left to do here.
  process.on('disconnect', () => process.exit(0));
  process.send?.('ready');
}
