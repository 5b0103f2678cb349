/** URL paths of the HTTP API, with names percent-encoded in one place. */

/**
 * `/v3/clusters/{c}/topics/{topic}`
 *
 * @example
 * topicPath('/v3/clusters/local', 'orders'); // '/v3/clusters/local/topics/orders'
 */
export const topicPath = (cluster: string, topic: string): string =>
  `${cluster}/topics/${encodeURIComponent(topic)}`;

/**
 * `/v3/clusters/{c}/consumer-groups/{group}`
 *
 * @example
 * groupPath('/v3/clusters/local', 'billing'); // '/v3/clusters/local/consumer-groups/billing'
 */
export const groupPath = (cluster: string, group: string): string =>
  `${cluster}/consumer-groups/${encodeURIComponent(group)}`;

/**
 * `/v3/clusters/{c}/consumer-groups/{group}/members/{member}`
 *
 * @example
 * memberPath('/v3/clusters/local', 'billing', 'consumer-1'); // '…/consumer-groups/billing/members/consumer-1'
 */
export const memberPath = (cluster: string, group: string, member: string): string =>
  `${groupPath(cluster, group)}/members/${encodeURIComponent(member)}`;

/**
 * Offsets may come back as numbers or decimal strings; the client hands out strings.
 *
 * @example
 * offsetString(42); // '42'
 */
export const offsetString = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '-1';
