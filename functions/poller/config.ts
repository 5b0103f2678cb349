import { z } from 'zod';
import { InvalidRequestError } from '../../shared/errors';

/**
 * The poller's configuration: the JSON document the CDK construct puts in
 * `SLUICE_CONSUMER_CONFIG` (see `infra/consumer-options.ts`, `ConsumerConfigDocument`).
 */
export const consumerConfigSchema = z.object({
  group: z.string().min(1),
  topics: z.array(z.string().min(1)).min(1),
  functionName: z.string().min(1),
  batchSize: z.number().int().min(1).max(10_000).default(100),
  maxBatchingWindowMs: z.number().int().min(0).max(300_000).default(500),
  startingPosition: z.enum(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']).default('TRIM_HORIZON'),
  startingPositionTimestamp: z.number().nullable().optional(),
  retryAttempts: z.number().int().min(-1).max(10_000).default(-1),
  bisectOnError: z.boolean().default(false),
  onFailureTopic: z.string().min(1).nullable().optional(),
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
