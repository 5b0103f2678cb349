/**
 * The stream dispatcher of a cluster: the one reader (Lambda event source mapping) of the log
 * table's DynamoDB stream for every stream-triggered consumer group. Each batch of new slots
 * goes to the shared dispatcher, which invokes each concerned group's function asynchronously
 * with the partitions of its topics the batch touched. All the work is
 * `shared/poller/stream-dispatch.ts`; a failure fails the invocation, so the mapping retries
 * the batch (a trigger may be repeated, never lost: drains are idempotent).
 */
import { type Cluster, createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import type { AsyncInvoker } from '../../shared/poller/lambda-invoke';
import {
  type DispatchSummary,
  type StreamDispatcher,
  streamDispatcherFromEnv,
} from '../../shared/poller/stream-dispatch';
import type { LogStreamRecord } from '../../shared/poller/stream-trigger';

export interface StreamDispatchHandlerOptions {
  /** @default createCluster(configFromEnv()) */
  readonly cluster?: Cluster;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** How a group's function is started. @default Lambda InvokeCommand, InvocationType Event */
  readonly invoke?: AsyncInvoker;
}

/**
 * Builds the dispatcher's Lambda handler; tests pass a cluster and an in-process `invoke`.
 *
 * @example
 * const handle = createStreamDispatchHandler({ invoke: async (name, payload) => started.push({ name, payload }) });
 * await handle({ Records: [...] });
 */
export function createStreamDispatchHandler(options: StreamDispatchHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const cluster = options.cluster ?? createCluster(configFromEnv(env));
  const dispatcher: StreamDispatcher = streamDispatcherFromEnv(cluster, env, { invoke: options.invoke });
  return async function handler(event: unknown): Promise<DispatchSummary> {
    const records = (event as { Records?: unknown } | null)?.Records;
    return dispatcher.dispatch(Array.isArray(records) ? (records as LogStreamRecord[]) : []);
  };
}

let cached: ReturnType<typeof createStreamDispatchHandler> | undefined;

/**
 * The Lambda entry point (a DynamoDB stream event of the log table).
 *
 * @example
 * // CDK: entry functions/stream-dispatch/handler.ts, handler 'handler', env SLUICE_STREAM_GROUPS
 */
export async function handler(event: unknown): Promise<DispatchSummary> {
  cached ??= createStreamDispatchHandler();
  return cached(event);
}
