import type { DeserializeMiddleware, MetadataBearer } from '@smithy/types';
import type { AwsClients } from '../../shared/storage/aws';

/**
 * The faults a real AWS endpoint shows, injected into the real SDK clients (inside their retry
 * loop, so the SDK's own retries see them exactly as they would see the service's answers):
 * - `throttle`: DynamoDB `ThrottlingException` (HTTP 400), the request is not applied;
 * - `server-error`: DynamoDB `InternalServerError` (HTTP 500), not applied;
 * - `slow-down`: S3 `SlowDown` (HTTP 503), not applied;
 * - `lose-response`: the request IS applied, then the connection resets before the answer.
 */
export type FaultKind = 'throttle' | 'server-error' | 'slow-down' | 'lose-response';

export interface FaultRule {
  readonly service: 'DynamoDB' | 'S3';
  /** Command name without the `Command` suffix, e.g. `UpdateItem`. */
  readonly command: string;
  readonly kind: FaultKind;
  /** Chance per attempt (SDK retries are attempts too). */
  readonly probability: number;
}

/** How many faults were injected, by `Service.Command kind`. */
export type FaultCounts = Map<string, number>;

/** Live fault injection: counts so far, and rules that may be swapped between phases. */
export interface FaultInjection {
  readonly counts: FaultCounts;
  rules: readonly FaultRule[];
}

/**
 * Adds fault injection to both clients; returns its live counts and its rules, which the
 * caller may replace at any time (an empty list turns it off). Call before the clients send
 * anything. `random` is seeded by the caller for repeatable runs.
 *
 * @example
 * const faults = injectFaults(clients, [{ service: 'S3', command: 'PutObject', kind: 'slow-down', probability: 0.3 }]);
 */
export function injectFaults(
  clients: AwsClients,
  rules: readonly FaultRule[],
  random: () => number = Math.random,
): FaultInjection {
  const state: FaultInjection = { counts: new Map<string, number>(), rules };
  const middleware =
    (service: FaultRule['service']): DeserializeMiddleware<object, MetadataBearer> =>
    (next, context) =>
    async (args) => {
      const command = String(context.commandName ?? '').replace(/Command$/, '');
      const rule = state.rules.find(
        (r) => r.service === service && r.command === command && random() < r.probability,
      );
      if (!rule) return next(args);
      const name = `${service}.${command} ${rule.kind}`;
      state.counts.set(name, (state.counts.get(name) ?? 0) + 1);
      if (rule.kind === 'lose-response') {
        await next(args);
        throw Object.assign(new Error('socket hang up (injected after the write was applied)'), {
          code: 'ECONNRESET',
          $metadata: {},
        });
      }
      throw serviceError(rule.kind);
    };
  clients.dynamodb.middlewareStack.add(middleware('DynamoDB'), {
    step: 'deserialize',
    name: 'sluiceInjectedFaults',
    priority: 'high',
  });
  clients.s3.middlewareStack.add(middleware('S3'), {
    step: 'deserialize',
    name: 'sluiceInjectedFaults',
    priority: 'high',
  });
  return state;
}

function serviceError(kind: Exclude<FaultKind, 'lose-response'>): Error {
  const [name, httpStatusCode, message] = {
    throttle: ['ThrottlingException', 400, 'Rate of requests exceeds the allowed throughput (injected).'],
    'server-error': ['InternalServerError', 500, 'Internal server error (injected).'],
    'slow-down': ['SlowDown', 503, 'Please reduce your request rate (injected).'],
  }[kind] as [string, number, string];
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, attempts: 1, totalRetryDelay: 0 },
  });
}

/**
 * A small seeded PRNG (mulberry32), so a fault schedule repeats for one seed.
 *
 * @example
 * const random = seededRandom(7); random(); // always the same first number for seed 7
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
