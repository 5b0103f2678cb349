import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MemberBinding } from './types';

/**
 * Who is acting on a member over HTTP: the member token it presented (the
 * `Sluice-Member-Token` header) and, on AWS, the IAM principal API Gateway verified.
 */
export interface MemberCaller {
  readonly token?: string;
  readonly principal?: string;
}

/** Bytes of randomness in a member token: 256 bits, well past guessing. */
const TOKEN_BYTES = 32;

/**
 * A fresh member token and the binding to store for it. The token goes to the joiner in the
 * join answer and nowhere else; only its hash is stored, so a read of the table (or a backup)
 * does not hand out the right to act as a member.
 *
 * @example
 * const { token, binding } = mintMemberToken('arn:aws:iam::123456789012:role/billing');
 */
export function mintMemberToken(principal?: string): { token: string; binding: MemberBinding } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return {
    token,
    binding: { tokenHash: hashMemberToken(token), ...(principal === undefined ? {} : { principal }) },
  };
}

function hashMemberToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/**
 * Whether `caller` may act as the member bound by `binding`: the token's hash matches
 * (compared in constant time), and the principal is the one that joined when it joined with
 * one. A member without a binding (a poller's) can never be driven over HTTP.
 *
 * @example
 * callerMayActAs(binding, { token, principal }); // true for the joiner only
 */
export function callerMayActAs(binding: MemberBinding | undefined, caller: MemberCaller): boolean {
  if (!binding || caller.token === undefined) return false;
  const presented = Buffer.from(hashMemberToken(caller.token), 'utf8');
  const stored = Buffer.from(binding.tokenHash, 'utf8');
  const tokenOk = presented.length === stored.length && timingSafeEqual(presented, stored);
  const principalOk = binding.principal === undefined || binding.principal === caller.principal;
  return tokenOk && principalOk;
}
