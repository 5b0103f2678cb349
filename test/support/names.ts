import { randomBytes } from 'node:crypto';

/**
 * A name no other test uses, so tests share the emulators (and a running backbone) without
 * seeing each other's topics, groups, keys or buckets.
 *
 * @example
 * const topic = uniqueName('orders'); // 'orders-3f2a9c1b07d4'
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
