import { InvalidRequestError } from '../../shared/errors';
import type { ConsumerConfigDocument } from '../../shared/poller/consumer-config';
import { consumerShapeFor } from '../../shared/poller/consumer-config-zod';
import * as z from '../../shared/validation';

/**
 * The poller's configuration: the JSON document the CDK construct puts in
 * `SLUICE_CONSUMER_CONFIG`, its keys and checks derived from the consumer-configuration
 * schema (`shared/poller/consumer-config.ts`).
 */
export const consumerConfigSchema = z.object(consumerShapeFor('env'));

/** The document as read: every default filled in, absent values `null` or missing. */
export type ConsumerConfig = Omit<ConsumerConfigDocument, 'startingPositionTimestamp' | 'onFailureTopic'> & {
  readonly startingPositionTimestamp?: number | null;
  readonly onFailureTopic?: string | null;
};

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
  // The schema is derived from the settings the document type lists (checked by a test).
  return result.data as unknown as ConsumerConfig;
}
