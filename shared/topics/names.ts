import { InvalidRequestError } from '../errors';

const LEGAL = /^[a-zA-Z0-9._-]+$/;
/** Kafka's limit: 249 characters, so that a partition directory name stays within 255. */
export const MAX_TOPIC_NAME_LENGTH = 249;

/**
 * Which of Kafka's rules a topic name breaks, in words, or undefined when it breaks none: the
 * one statement of the rules, for both checks below.
 */
function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Topic name is empty: give 1 to 249 characters from [a-zA-Z0-9._-].';
  if (name === '.' || name === '..') return `Topic name "${name}" is not allowed: "." and ".." are reserved.`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is ${name.length} characters long: the limit is ${MAX_TOPIC_NAME_LENGTH}.`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" has characters outside [a-zA-Z0-9._-]: use only letters, digits, ".", "_" and "-".`;
  }
  return undefined;
}

/**
 * Checks a topic name against Kafka's rules and throws an {@link InvalidRequestError} that
 * says which rule it breaks.
 *
 * @example
 * validateTopicName('orders'); // ok
 * validateTopicName('..');     // throws
 */
export function validateTopicName(name: string): void {
  const problem = topicNameProblem(name);
  if (problem !== undefined) throw new InvalidRequestError(problem);
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
  return topicNameProblem(name) === undefined;
}

/**
 * Kafka forbids two topics whose names differ only by "." versus "_", because both map to
 * the same metric name. Two names collide exactly when their collision keys are equal.
 */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}
