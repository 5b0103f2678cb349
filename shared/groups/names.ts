import { randomUUID } from 'node:crypto';
import { InvalidRequestError } from '../errors';
import { GROUP_NAME_PATTERN, GROUP_NAME_RULE, isLegalGroupName } from './group-name';

/**
 * Checks a consumer group id against the one rule (`group-name.ts`): 1 to 249 characters from
 * `[a-zA-Z0-9._-]`; the CDK construct applies the same rule.
 *
 * @example
 * validateGroupName('billing'); // ok
 */
export function validateGroupName(group: string): void {
  if (!isLegalGroupName(group)) {
    throw new InvalidRequestError(`Consumer group "${group}" is invalid: use ${GROUP_NAME_RULE}.`);
  }
}

/**
 * Checks a member id taken from a request path.
 *
 * @example
 * validateMemberId('consumer-6f1c…');
 */
export function validateMemberId(memberId: string): void {
  // Member ids are made of a kind and a UUID: the group-id alphabet and length hold them.
  if (!GROUP_NAME_PATTERN.test(memberId)) {
    throw new InvalidRequestError(
      `Member id "${memberId}" is invalid: use the member_id the join answer returned.`,
    );
  }
}

/**
 * A fresh member id, prefixed with its kind so a lag table tells pollers from HTTP consumers
 * (and from a stream trigger's drain, which holds leases without being a member).
 *
 * @example
 * newMemberId('poller'); // 'poller-1b9d6bcd-…'
 */
export function newMemberId(kind: 'poller' | 'consumer' | 'stream'): string {
  return `${kind}-${randomUUID()}`;
}
