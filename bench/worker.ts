/**
 * A benchmark worker process (see `bench/workers.ts` for the parent's side). The benchmark
 * runs two for the whole run: the "server" worker serves the real HTTP API and also runs
 * every raw-store baseline and the contention writers, so Sluice's SDK calls and the
 * baselines' run in the same kind of process; the "load" worker is the HTTP load generator.
 * A third, the "drain" worker, is started for the stream drain's phase only
 * (`bench/stream-drain.ts`) and runs nothing but a stream-triggered group's drains. Each
 * process's CPU time is therefore its own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type Cluster, createCluster } from '../shared/cluster';
import type { SluiceConfig } from '../shared/config';
import { createNodeServer } from '../shared/http/node-server';
import { createHttpApi } from '../shared/http/router';
import { mapLimit } from '../shared/limit';
import { createLog } from '../shared/log';
import { createLambdaClient, createLambdaHandlerInvoker } from '../shared/poller/lambda-invoke';
import { createStreamTrigger, type StreamTrigger } from '../shared/poller/stream-trigger';
import { sweepTopic } from '../shared/retention';
import { AwsRequestCounter } from '../shared/storage/aws';
import type { LogIndex } from '../shared/storage/log-index';
import type { SegmentStore } from '../shared/storage/segment-store';
import { DEFAULT_TOPIC_CONFIGS } from '../shared/topics/configs';
import type { Topic } from '../shared/topics/registry';
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

/** An HTTP API over its own cluster whose DynamoDB capacity units are counted (the cost phase). */
interface MeteredServer {
  readonly server: Server;
  readonly cluster: Cluster;
  readonly counter: AwsRequestCounter;
}

interface WorkerState {
  config?: SluiceConfig;
  server?: Server;
  cluster?: Cluster;
  readonly metered: Map<string, MeteredServer>;
  readonly counter: AwsRequestCounter;
  readonly chains: Map<string, ChainPool>;
  readonly chainServers: Map<string, Server>;
  readonly contention: Map<string, ContentionPool>;
  drain?: DrainState;
}

/** The drain worker's one stream-triggered group (see {@link DrainSample}). */
interface DrainState {
  readonly cluster: Cluster;
  readonly counter: AwsRequestCounter;
  readonly lambda: LambdaClient;
  readonly trigger: StreamTrigger;
  readonly topicId: string;
  /** Synchronous handler invokes so far. */
  invokes: number;
}

/** What one drain of partition 0 cost the drain worker's process. */
export interface DrainSample {
  /** CPU of this process (user + system) during the drain alone, µs. */
  readonly cpuUs: number;
  /** Synchronous invokes of the group's handler function: the batches delivered. */
  readonly invokes: number;
  readonly committedRecords: number;
  /** The drain's AWS calls, by `Service.Command` (the handler's invokes not among them). */
  readonly calls: Record<string, number>;
}

const state: WorkerState = {
  counter: new AwsRequestCounter(),
  metered: new Map(),
  chains: new Map(),
  chainServers: new Map(),
  contention: new Map(),
};

/** Calls and DynamoDB capacity units counted by a metered server. */
export interface MeteredCounts {
  readonly calls: Record<string, number>;
  readonly units: { readonly read: number; readonly write: number };
  readonly unitsByCommand: Record<string, number>;
  readonly zeroUnitReads: number;
  /** CPU time of this worker (the metered server's process) since the last count, µs. */
  readonly cpuUs: number;
  /** The worker's peak resident memory so far (`process.resourceUsage().maxRSS`), bytes. */
  readonly maxRssBytes: number;
}

/** CPU of the worker at the last metered count. */
let meteredCpuMark = process.cpuUsage();

function cpuSince(mark: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(mark);
  return used.user + used.system;
}

function meteredServer(name: string): MeteredServer {
  const metered = state.metered.get(name);
  if (!metered) throw new Error(`call "serveMetered" for ${name} first`);
  return metered;
}

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

  /**
   * Serves a second HTTP API, apart from the throughput rounds, whose cluster also counts
   * DynamoDB capacity units (`ReturnConsumedCapacity`), with the given inline threshold
   * (undefined: the log's default). `name` tells the metered servers apart.
   */
  async serveMetered(args: { name: string; inlineSectionMaxBytes?: number }): Promise<{ baseUrl: string }> {
    const counter = new AwsRequestCounter({ capacity: true });
    const cluster = createCluster(
      { ...configured(), inlineSectionMaxBytes: args.inlineSectionMaxBytes },
      { counter },
    );
    const api = createHttpApi(cluster, { onError: (error) => console.error(`[metered] ${String(error)}`) });
    const server = createNodeServer({ api, maxRequestBytes: configured().maxRequestBytes });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    state.metered.set(args.name, { server, cluster, counter });
    return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  },

  /** A metered server's AWS calls and capacity units since the last reset; then resets. */
  async meteredCounts(name: string): Promise<MeteredCounts> {
    const { counter } = meteredServer(name);
    const counts = {
      calls: counter.snapshot(),
      units: counter.capacityUnits(),
      unitsByCommand: counter.capacityUnitsByCommand(),
      zeroUnitReads: counter.zeroUnitReads(),
      cpuUs: cpuSince(meteredCpuMark),
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
    meteredCpuMark = process.cpuUsage();
    counter.reset();
    return counts;
  },

  /**
   * One retention sweep of a topic once every record has expired, as the sweeper runs it:
   * slots in S3 are deleted (conditional deletes), inline ones are left to DynamoDB's TTL.
   * Returns how many slots left the log.
   */
  async meteredRetention(args: { name: string; topic: string }): Promise<number> {
    const { cluster } = meteredServer(args.name);
    const topic = await cluster.topics.get(args.topic);
    const deps = { log: cluster.log, index: cluster.index, segments: cluster.segments };
    const swept = await sweepTopic(deps, topic, Date.now() + topic.configs['retention.ms'] + 60_000);
    return swept.itemsDeleted + swept.itemsLeftToTtl;
  },

  /** Creates `count` one-partition topics nobody writes to. */
  async meteredIdleTopics(args: { name: string; prefix: string; count: number }): Promise<void> {
    const { cluster } = meteredServer(args.name);
    for (let i = 0; i < args.count; i++) {
      await cluster.topics.create({ name: `${args.prefix}-${i}`, partitionCount: 1 });
    }
  },

  /**
   * One retention sweep as the scheduled sweeper runs it (list the topics, sweep each), of the
   * topics named `prefix-*` only: the other phases' busy topics share the tables. Its wall time in ms.
   */
  async meteredSweep(args: { name: string; prefix: string }): Promise<number> {
    const { cluster } = meteredServer(args.name);
    const deps = { log: cluster.log, index: cluster.index, segments: cluster.segments };
    const t0 = performance.now();
    const topics = (await cluster.topics.list()).filter((topic) => topic.name.startsWith(`${args.prefix}-`));
    await mapLimit(topics, 16, (topic) => sweepTopic(deps, topic, Date.now()));
    return performance.now() - t0;
  },

  /**
   * Makes this worker a stream-triggered group's function (the drain worker): a stream
   * trigger of `group` over `topic` on its own cluster, whose handler is invoked the way the
   * deployed function invokes it — a synchronous `Invoke` through a real Lambda client — at
   * `lambdaEndpoint`, a stand-in in another process that answers at once (a no-op handler).
   */
  async drainOpen(args: {
    config: SluiceConfig;
    topic: string;
    group: string;
    lambdaEndpoint: string;
  }): Promise<void> {
    const { config } = args;
    const counter = new AwsRequestCounter();
    const cluster = createCluster(config, { counter });
    const lambda = createLambdaClient({
      region: config.region,
      endpoint: args.lambdaEndpoint,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      maxAttempts: 1,
    });
    const invoke = createLambdaHandlerInvoker(lambda);
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const topicId = (await cluster.topics.get(args.topic)).id;
    const drain: DrainState = {
      cluster,
      counter,
      lambda,
      topicId,
      invokes: 0,
      trigger: createStreamTrigger({
        cluster,
        group: args.group,
        topics: [args.topic],
        logger: quiet,
        handler: (event) => {
          drain.invokes++;
          return invoke(`${args.group}-handler`, event);
        },
      }),
    };
    state.drain = drain;
  },

  /**
   * One drain of partition 0 of the drain worker's topic, as a stream batch that touched it
   * starts one, with this process's CPU taken around the drain only: nothing else runs here
   * meanwhile (the records were produced through another process before the call).
   */
  async drainOnce(): Promise<DrainSample> {
    const drain = state.drain;
    if (!drain) throw new Error('call "drainOpen" first');
    drain.counter.reset();
    const invokesBefore = drain.invokes;
    const before = cpuMicros();
    const summary = await drain.trigger.drain([{ topicId: drain.topicId, partition: 0 }]);
    const cpuUs = cpuMicros() - before;
    return {
      cpuUs,
      invokes: drain.invokes - invokesBefore,
      committedRecords: summary.committedRecords,
      calls: drain.counter.snapshot(),
    };
  },

  async drainClose(): Promise<void> {
    state.drain?.lambda.destroy();
    state.drain?.cluster.close();
    state.drain = undefined;
  },

  /** CPU time (user + system) this process has used, in µs. */
  cpu: async (): Promise<number> => cpuMicros(),
  /** Garbage-collection pause time since the first call of this task, in µs (`bench/http-floor.ts`). */
  gcMicros: async (): Promise<number> => observedGcMicros(),

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
    state.chainServers.get(pool)?.close();
    state.chainServers.delete(pool);
  },

  /**
   * Serves an open chain pool over HTTP, for `bench/http-floor.ts`. `POST /chain`: the body is
   * read whole, then one append of the chain runs (the writers taken in turn) and `answer`, a
   * `records:batch` answer, goes back: the least a produce server in front of the raw chain
   * can do, on the same node:http server Sluice uses. `POST /api-chain`: the same, after the
   * body went through Sluice's real HTTP API over storage that does nothing
   * ({@link apiWithoutStorage}): Sluice's own work per request, without its storage calls.
   */
  async chainServe(args: { pool: string; kind: ChainKind; writers: number; answer: string }) {
    const pool = state.chains.get(args.pool);
    if (!pool) throw new Error(`no chain pool ${args.pool}`);
    const config = configured();
    const api = apiWithoutStorage(config);
    let next = 0;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        try {
          if (req.url === '/api-chain') {
            const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
            const path = `/v3/clusters/${config.clusterId}/topics/${STUB_TOPIC.name}/records:batch`;
            const headers = { 'content-type': 'application/json' };
            const answer = await api({ method: 'POST', path, query: {}, headers, body });
            if (answer.status !== 207) throw new Error(`api: ${answer.status} ${answer.body}`);
          }
          await pool.append(args.kind, next++ % args.writers);
          res.writeHead(207, [
            'content-type',
            'application/json',
            'content-length',
            String(Buffer.byteLength(args.answer)),
          ]);
          res.end(args.answer);
        } catch (error) {
          res.writeHead(503, ['content-type', 'text/plain']);
          res.end(String(error));
        }
      });
    });
    state.chainServers.set(args.pool, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
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

/** GC pauses seen so far; observed only once asked for, so that `npm run bench` pays nothing for it. */
let gcSeen: { micros: number } | undefined;

function observedGcMicros(): number {
  if (!gcSeen) {
    const seen = { micros: 0 };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) seen.micros += entry.duration * 1000;
    }).observe({ entryTypes: ['gc'] });
    gcSeen = seen;
  }
  return gcSeen.micros;
}

const STUB_TOPIC: Topic = {
  name: 'bench-api-chain',
  id: 'bench-api-chain-id',
  partitionCount: 16,
  configs: DEFAULT_TOPIC_CONFIGS,
  configOverrides: [],
  createdAt: 0,
};

/**
 * Sluice's real HTTP API (routing, parsing, validation, placement, segment encoding, the
 * append's bookkeeping, the answer) over a topic registry and storage ports that answer at
 * once without I/O. Only for measuring Sluice's own CPU beside the chain (`bench/http-floor.ts`).
 */
function apiWithoutStorage(config: SluiceConfig) {
  let nextOffset = 0;
  const index = {
    reserve: async (_topicId: string, _partition: number, count: number, now: number) => {
      nextOffset += count;
      return { baseOffset: nextOffset - count, count, reservedAt: now };
    },
    commit: async () => ({ kind: 'appended' as const }),
    void: async () => ({ kind: 'voided' as const }),
  } as unknown as LogIndex;
  const segments = { put: async () => {} } as unknown as SegmentStore;
  const cluster = {
    config,
    topics: { get: async () => STUB_TOPIC },
    log: createLog({ segments, index }),
  } as unknown as Cluster;
  return createHttpApi(cluster);
}

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
