import { InvalidRequestError } from '../errors';

const LEGAL = /^[a-zA-Z0-9._-]+$/;
/** Kafka's limit: 249 characters, so that a partition directory name stays within 255. */
export const MAX_TOPIC_NAME_LENGTH = 249;

/**
 * Checks a topic name against Kafka's rules and throws an {@link InvalidRequestError} that
 * says which rule it breaks.
 *
 * @example
 * validateTopicName('orders'); // ok
 * validateTopicName('..');     // throws
 */
export function validateTopicName(name: string): void {
  if (name.length === 0) throw invalid('Topic name is empty: give 1 to 249 characters from [a-zA-Z0-9._-].');
  if (name === '.' || name === '..')
    throw invalid(`Topic name "${name}" is not allowed: "." and ".." are reserved.`);
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw invalid(`Topic name is ${name.length} characters long: the limit is ${MAX_TOPIC_NAME_LENGTH}.`);
  }
  if (!LEGAL.test(name)) {
    throw invalid(
      `Topic name "${name}" has characters outside [a-zA-Z0-9._-]: use only letters, digits, ".", "_" and "-".`,
    );
  }
}

/**
 * Whether a name could be a topic's: a name that breaks Kafka's rules was never created, so a
 * lookup can answer "does not exist" without asking storage (which refuses an empty key).
 *
 * @example
 * isLegalTopicName('orders'); // true
 * isLegalTopicName('');       // false
 */
export function isLegalTopicName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= MAX_TOPIC_NAME_LENGTH &&
    name !== '.' &&
    name !== '..' &&
    LEGAL.test(name)
  );
}

/**
 * Kafka forbids two topics whose names differ only by "." versus "_", because both map to
 * the same metric name. Two names collide exactly when their collision keys are equal.
 */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}

function invalid(message: string): InvalidRequestError {
  return new InvalidRequestError(message);
}
