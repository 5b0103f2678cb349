import { InvalidRequestError } from '../../shared/errors';
import * as z from '../../shared/validation';

/**
 * The poller's configuration: the JSON document the CDK construct puts in
 * `SLUICE_CONSUMER_CONFIG` (see `infra/consumer-options.ts`, `ConsumerConfigDocument`).
 */
export const consumerConfigSchema = z.object({
  group: z.string().check(z.minLength(1)),
  topics: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  functionName: z.string().check(z.minLength(1)),
  batchSize: z._default(z.int().check(z.gte(1), z.lte(10_000)), 100),
  maxBatchingWindowMs: z._default(z.int().check(z.gte(0), z.lte(300_000)), 500),
  startingPosition: z._default(z.enum(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']), 'TRIM_HORIZON'),
  startingPositionTimestamp: z.optional(z.nullable(z.number())),
  retryAttempts: z._default(z.int().check(z.gte(-1), z.lte(10_000)), -1),
  bisectOnError: z._default(z.boolean(), false),
  onFailureTopic: z.optional(z.nullable(z.string().check(z.minLength(1)))),
});

export type ConsumerConfig = z.infer<typeof consumerConfigSchema>;

/**
 * Reads and checks `SLUICE_CONSUMER_CONFIG`.
 *
 * @example
 * const config = consumerConfigFromEnv({ SLUICE_CONSUMER_CONFIG: '{"group":"g","topics":["t"],"functionName":"f"}' });
 */
export function consumerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  const text = env.SLUICE_CONSUMER_CONFIG;
  if (!text) {
    throw new InvalidRequestError(
      'SLUICE_CONSUMER_CONFIG is not set: the poller needs its consumer group configuration (the CDK construct sets it).',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(`SLUICE_CONSUMER_CONFIG is not valid JSON (${(error as Error).message}).`);
  }
  const result = consumerConfigSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InvalidRequestError(
      `SLUICE_CONSUMER_CONFIG: field "${issue.path.join('.')}" is invalid (${issue.message}).`,
    );
  }
  return result.data;
}
