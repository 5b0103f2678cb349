/**
 * The consumer-group id rule, as data: the core checks ids with it (`names.ts`) and the CDK
 * construct checks `addConsumer` and `grantConsume` ids with it, so this file imports
 * nothing (the infrastructure may import only constants from the core).
 */

/** The longest group id, Kafka's limit for names that become file and metric names. */
export const MAX_GROUP_NAME_LENGTH = 249;

/**
 * A legal consumer group id: 1 to 249 characters from `[a-zA-Z0-9._-]`. Ids become metric
 * dimensions, construct ids and parts of storage keys.
 *
 * @example
 * GROUP_NAME_PATTERN.test('billing'); // true
 */
export const GROUP_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

/** The rule in words, for error messages. */
export const GROUP_NAME_RULE = `1 to ${MAX_GROUP_NAME_LENGTH} characters from [a-zA-Z0-9._-]`;

/**
 * Whether a value is a legal consumer group id.
 *
 * @example
 * isLegalGroupName('my group'); // false
 */
export function isLegalGroupName(name: unknown): name is string {
  return typeof name === 'string' && GROUP_NAME_PATTERN.test(name);
}
