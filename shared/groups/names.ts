import { randomUUID } from 'node:crypto';
import { InvalidRequestError } from '../errors';

const LEGAL = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Checks a consumer group id: 1 to 249 characters from `[a-zA-Z0-9._-]`, the rule the CDK
 * construct applies too (ids become metric dimensions and key parts).
 *
 * @example
 * validateGroupName('billing'); // ok
 */
export function validateGroupName(group: string): void {
  if (!LEGAL.test(group)) {
    throw new InvalidRequestError(
      `Consumer group "${group}" is invalid: use 1 to 249 characters from [a-zA-Z0-9._-].`,
    );
  }
}

/**
 * Checks a member id taken from a request path.
 *
 * @example
 * validateMemberId('consumer-6f1c…');
 */
export function validateMemberId(memberId: string): void {
  if (!LEGAL.test(memberId)) {
    throw new InvalidRequestError(
      `Member id "${memberId}" is invalid: use the member_id the join answer returned.`,
    );
  }
}

/**
 * A fresh member id, prefixed with its kind so a lag table tells pollers from HTTP consumers.
 *
 * @example
 * newMemberId('poller'); // 'poller-1b9d6bcd-…'
 */
export function newMemberId(kind: 'poller' | 'consumer'): string {
  return `${kind}-${randomUUID()}`;
}
