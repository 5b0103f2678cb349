import { randomUUID } from 'node:crypto';
import type { Cluster } from '../cluster';
import { type Clock, systemClock } from '../groups/clock';
import type { GroupStore } from '../groups/store';
import * as z from '../validation';
import { type AsyncInvoker, createLambdaAsyncInvoker, createLambdaClient } from './lambda-invoke';

/** A consumer group whose poller a produce may need to start. */
export interface WakeTarget {
  readonly group: string;
  readonly topics: readonly string[];
  /** The group's poller function. */
  readonly functionName: string;
}

/** The payload a woken poller receives: the token lets it take over the marker the waker claimed. */
export interface WakeEvent {
  readonly source: 'sluice.wake';
  readonly group: string;
  readonly token: string;
}

export interface WakerOptions {
  readonly cluster: Pick<Cluster, 'groups' | 'config'>;
  readonly targets: readonly WakeTarget[];
  readonly invoke: AsyncInvoker;
  /** @default the DynamoDB store on the cluster's meta table */
  readonly store?: GroupStore;
  /** @default Date.now */
  readonly now?: Clock;
  /** Look at a group's marker at most this often (a warm function's cache). @default 1000 */
  readonly checkIntervalMs?: number;
  /** How long a waker's claim holds off other wakers while the poller starts. @default 30000 */
  readonly claimTtlMs?: number;
  /** Wake failures are reported here; producing never fails because of them. */
  readonly onError?: (error: unknown, target: WakeTarget) => void;
}

/** Called with a topic after records were appended to it; never throws, never blocks. */
export interface Waker {
  (topic: string): void;
  /** Resolves when every wake-up started so far has finished (tests, graceful shutdown). */
  settled(): Promise<void>;
}

/**
 * Wake-on-produce: after a produce, starts the poller of every group consuming the topic
 * that has no poller running. A running poller keeps a marker item fresh; the waker reads
 * it at most once per `checkIntervalMs` per group, and when it is absent or expired claims
 * it with a conditional write before invoking the poller asynchronously — so many
 * producers racing on an idle group start one poller, not many.
 *
 * @example
 * const wake = createWaker({ cluster, targets: [{ group: 'billing', topics: ['orders'], functionName: 'billing-poller' }],
 *   invoke: createLambdaAsyncInvoker(createLambdaClient({})) });
 * const api = createHttpApi(cluster, { onProduced: wake });
 */
export function createWaker(options: WakerOptions): Waker {
  const store = options.store ?? options.cluster.groups;
  const now = options.now ?? systemClock;
  const interval = options.checkIntervalMs ?? 1_000;
  const claimTtl = options.claimTtlMs ?? 30_000;
  const byTopic = new Map<string, WakeTarget[]>();
  for (const target of options.targets) {
    for (const topic of target.topics) byTopic.set(topic, [...(byTopic.get(topic) ?? []), target]);
  }
  const checkedAt = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();

  async function wake(target: WakeTarget): Promise<void> {
    const at = now();
    const marker = await store.readMarker(target.group);
    if (marker && marker.expiresAt > at) return;
    const token = `wake-${randomUUID()}`;
    const claim = await store.claimMarker(target.group, token, at + claimTtl, at);
    if (claim.kind !== 'claimed') return;
    const event: WakeEvent = { source: 'sluice.wake', group: target.group, token };
    try {
      await options.invoke(target.functionName, event);
    } catch (error) {
      // Let the next produce try again instead of waiting out the claim.
      await store.clearMarker(target.group, token).catch(() => {});
      throw error;
    }
  }

  const waker = ((topic: string) => {
    for (const target of byTopic.get(topic) ?? []) {
      const at = now();
      const last = checkedAt.get(target.group);
      if (last !== undefined && at - last < interval) continue;
      checkedAt.set(target.group, at);
      const running = wake(target).catch((error) => options.onError?.(error, target));
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
    }
  }) as Waker;
  waker.settled = async () => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };
  return waker;
}

/** A JSON array of `{group, topics, functionName}`: SLUICE_WAKE_TARGETS, and SLUICE_STREAM_GROUPS of the stream dispatcher. */
export const groupFunctionTargetsSchema = z.array(
  z.object({
    group: z.string().check(z.minLength(1)),
    topics: z.array(z.string().check(z.minLength(1))),
    functionName: z.string().check(z.minLength(1)),
  }),
);

/**
 * The waker of a deployed HTTP function: targets from `SLUICE_WAKE_TARGETS` (a JSON array
 * of `{group, topics, functionName}`, set by the CDK construct), invoking through Lambda.
 * Returns undefined when the variable is unset or empty, so local servers skip waking.
 *
 * @example
 * const api = createHttpApi(cluster, { onProduced: wakerFromEnv(cluster) });
 */
export function wakerFromEnv(
  cluster: Pick<Cluster, 'groups' | 'config'>,
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Omit<WakerOptions, 'cluster' | 'targets'>> = {},
): Waker | undefined {
  const text = env.SLUICE_WAKE_TARGETS?.trim();
  if (!text) return undefined;
  const targets = groupFunctionTargetsSchema.parse(JSON.parse(text));
  if (targets.length === 0) return undefined;
  const invoke =
    overrides.invoke ?? createLambdaAsyncInvoker(createLambdaClient({ region: cluster.config.region }));
  return createWaker({ cluster, targets, ...overrides, invoke });
}
