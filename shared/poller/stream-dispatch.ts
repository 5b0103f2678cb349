/**
 * The stream dispatcher: the one reader of the log table's change stream for every
 * stream-triggered consumer group of a cluster. DynamoDB Streams lets at most two readers
 * read a shard at once, so the groups cannot each have their own; instead one reader takes
 * each batch of stream records, works out which partitions of each group's topics got a new
 * slot, and triggers each such group with its partitions (on AWS an asynchronous invoke of the
 * group's function, locally a drain started in process). The design is in
 * `docs/design/stream-trigger.md`.
 */
import type { Cluster } from '../cluster';
import { NotFoundError } from '../errors';
import type { Topic, TopicRegistry } from '../topics/registry';
import { type AsyncInvoker, createLambdaAsyncInvoker, createLambdaClient } from './lambda-invoke';
import { type LogStreamRecord, type TouchedPartition, touchedPartitions } from './stream-trigger';
import { groupFunctionTargetsSchema } from './wake';

/** A stream-triggered consumer group, as the dispatcher knows it. */
export interface StreamGroup {
  /** The consumer group id. */
  readonly group: string;
  /** The topics it consumes, by name. */
  readonly topics: readonly string[];
}

/**
 * Triggers one group's delivery of the partitions a stream batch touched. On AWS an
 * asynchronous invoke of the group's function with a {@link StreamTriggerEvent}; locally a
 * drain started in process. A rejection makes the whole batch fail (the mapping retries it).
 */
export type GroupTriggerPort<G extends StreamGroup = StreamGroup> = (
  group: G,
  partitions: readonly TouchedPartition[],
) => Promise<void>;

/** What one dispatch did: each triggered group with the partitions it was given. */
export interface DispatchSummary {
  readonly triggered: readonly { readonly group: string; readonly partitions: readonly TouchedPartition[] }[];
}

/** What {@link createStreamDispatcher} needs. */
export interface StreamDispatcherOptions<G extends StreamGroup = StreamGroup> {
  /** Maps the topic ids the log's keys carry to the groups' topic names (its warm cache makes that free). */
  readonly topics: Pick<TopicRegistry, 'get'>;
  /** The stream-triggered groups. */
  readonly groups: readonly G[];
  /** How a group is triggered. */
  readonly triggerGroup: GroupTriggerPort<G>;
}

/** Hands each batch of log-table stream records to the groups it concerns; see {@link createStreamDispatcher}. */
export interface StreamDispatcher {
  /**
   * Triggers every group that has a topic partition among the batch's new slots, with those
   * partitions (a group with none is not triggered). Waits for every trigger; throws the first
   * failure after all were tried, so the batch is retried: a trigger may be repeated, never
   * lost (drains are idempotent).
   */
  dispatch(records: readonly LogStreamRecord[]): Promise<DispatchSummary>;
}

/**
 * Builds the stream dispatcher of a cluster's stream-triggered groups. The Lambda dispatcher
 * function (`functions/stream-dispatch/handler.ts`) and the local backbone
 * (`local/stream-consumer.ts`) both call {@link StreamDispatcher.dispatch} with each batch of
 * the log table's stream.
 *
 * @example
 * const dispatcher = createStreamDispatcher({
 *   topics: cluster.topics,
 *   groups: [{ group: 'billing', topics: ['orders'] }, { group: 'audit', topics: ['orders', 'refunds'] }],
 *   triggerGroup: async (group, partitions) => invokeAsync(functionOf(group), { partitions }),
 * });
 * await dispatcher.dispatch(event.Records);
 * // billing and audit each triggered with the partitions of their topics the batch touched
 */
export function createStreamDispatcher<G extends StreamGroup>(
  options: StreamDispatcherOptions<G>,
): StreamDispatcher {
  const { groups, triggerGroup } = options;
  const names = [...new Set(groups.flatMap((g) => g.topics))];

  /** The groups' topics by topic id; a topic that does not exist (yet) is left out. */
  async function topicsById(): Promise<Map<string, Topic>> {
    const found = await Promise.all(
      names.map(async (name) => {
        try {
          return await options.topics.get(name);
        } catch (error) {
          if (error instanceof NotFoundError) return undefined;
          throw error;
        }
      }),
    );
    return new Map(found.filter((t): t is Topic => t !== undefined).map((t) => [t.id, t]));
  }

  return {
    async dispatch(records) {
      const touched = touchedPartitions(records);
      if (touched.length === 0 || groups.length === 0) return { triggered: [] };
      const byId = await topicsById();
      // Keep only partitions of a known topic that exist in it (a stale id, a shrunk count: none).
      const known = touched.flatMap((t) => {
        const topic = byId.get(t.topicId);
        return topic && t.partition < topic.partitionCount ? [{ touched: t, topic: topic.name }] : [];
      });
      const triggered = groups.flatMap((group) => {
        const partitions = known.filter((k) => group.topics.includes(k.topic)).map((k) => k.touched);
        return partitions.length > 0 ? [{ group, partitions }] : [];
      });
      const results = await Promise.allSettled(triggered.map((t) => triggerGroup(t.group, t.partitions)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return { triggered: triggered.map((t) => ({ group: t.group.group, partitions: t.partitions })) };
    },
  };
}

/**
 * The event the dispatcher sends a stream-triggered group's function: the partitions of the
 * group's topics a stream batch touched.
 */
export interface StreamTriggerEvent {
  readonly source: 'sluice.stream';
  readonly group: string;
  readonly partitions: readonly TouchedPartition[];
}

/**
 * The event that triggers `group` with its touched partitions.
 *
 * @example
 * streamTriggerEvent('billing', [{ topicId: 'abc', partition: 2 }]);
 * // { source: 'sluice.stream', group: 'billing', partitions: [{ topicId: 'abc', partition: 2 }] }
 */
export function streamTriggerEvent(
  group: string,
  partitions: readonly TouchedPartition[],
): StreamTriggerEvent {
  return { source: 'sluice.stream', group, partitions };
}

/**
 * The touched partitions of a {@link StreamTriggerEvent} for `group`, or `undefined` when the
 * event is not one (or names another group, or a partition that is not a partition).
 *
 * @example
 * streamTriggerPartitions(event, 'billing'); // [{ topicId: 'abc', partition: 2 }] or undefined
 */
export function streamTriggerPartitions(event: unknown, group: string): TouchedPartition[] | undefined {
  const e = event as Partial<StreamTriggerEvent> | null;
  if (e?.source !== 'sluice.stream' || e.group !== group || !Array.isArray(e.partitions)) return undefined;
  const partitions: TouchedPartition[] = [];
  for (const p of e.partitions as unknown[]) {
    const { topicId, partition } = (p ?? {}) as Partial<TouchedPartition>;
    if (typeof topicId !== 'string' || !Number.isInteger(partition) || (partition as number) < 0)
      return undefined;
    partitions.push({ topicId, partition: partition as number });
  }
  return partitions;
}

/** A stream-triggered group and the function that drains it. */
export interface StreamGroupTarget extends StreamGroup {
  readonly functionName: string;
}

/**
 * The dispatcher of the deployed dispatcher function: the groups from `SLUICE_STREAM_GROUPS`
 * (a JSON array of `{group, topics, functionName}`, set by the CDK construct), each triggered
 * by an asynchronous invoke (`InvocationType: 'Event'`) of its function with a
 * {@link StreamTriggerEvent}. Async invocations of one group may run side by side: each
 * partition is drained under its lease, one drain at a time.
 *
 * @example
 * const dispatcher = streamDispatcherFromEnv(cluster);
 * await dispatcher.dispatch(event.Records);
 */
export function streamDispatcherFromEnv(
  cluster: Pick<Cluster, 'topics' | 'config'>,
  env: NodeJS.ProcessEnv = process.env,
  overrides: { readonly invoke?: AsyncInvoker } = {},
): StreamDispatcher {
  const text = env.SLUICE_STREAM_GROUPS?.trim();
  const groups: StreamGroupTarget[] = text ? groupFunctionTargetsSchema.parse(JSON.parse(text)) : [];
  const invoke =
    overrides.invoke ?? createLambdaAsyncInvoker(createLambdaClient({ region: cluster.config.region }));
  return createStreamDispatcher({
    topics: cluster.topics,
    groups,
    triggerGroup: (target, partitions) =>
      invoke(target.functionName, streamTriggerEvent(target.group, partitions)),
  });
}
