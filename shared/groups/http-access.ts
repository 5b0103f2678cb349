/**
 * Which consumer groups HTTP members may use, and with which topics. IAM decides which group
 * routes a caller reaches (the construct's `grantConsume` names each group), but it cannot read
 * a request body: the topics a join subscribes to and a commit names, and whether a group is
 * one that Lambda pollers run, are checked here, from what the deployment declared
 * (`SLUICE_POLLER_GROUPS`, `SLUICE_GROUP_TOPICS`, read by `shared/config.ts`). Pollers reach
 * their group through the group service directly, never through these checks.
 * Decision and limits: docs/security.md.
 */
import { ForbiddenError } from '../errors';

/** Every topic: the group's grants named no topics. */
export const ANY_TOPIC = '*';

/** What a deployment declared about its consumer groups, for the HTTP API's group routes. */
export interface GroupAccessPolicy {
  /**
   * Groups run by Lambda pollers (`addConsumer`, or locally `sluice.config.json`'s consumers)
   * that refuse HTTP members: a join, heartbeat or commit over HTTP is refused (403 / 40302).
   */
  readonly pollerGroups: readonly string[];
  /**
   * Per group, the topics its grants allow ({@link ANY_TOPIC} for every topic). A group that is
   * listed accepts only those topics in a join or commit (403 / 40303); a group that is not
   * listed is not limited here, since no `grantConsume` reaches it (only an administrator's grant,
   * or a policy written by hand, can).
   */
  readonly groupTopics: Readonly<Record<string, readonly string[] | typeof ANY_TOPIC>>;
}

/** No declarations: every group and topic is open to HTTP members (the default locally). */
export const OPEN_GROUP_ACCESS: GroupAccessPolicy = { pollerGroups: [], groupTopics: {} };

/**
 * Refuses an HTTP member's join, heartbeat or commit in a group that Lambda pollers run, and
 * topics the group is not granted. Throws {@link ForbiddenError}; returns when allowed.
 * Called before anything is read or written.
 *
 * @example
 * checkHttpMembership(policy, { group: 'billing', action: 'join', topics: ['orders'] });
 */
export function checkHttpMembership(
  policy: GroupAccessPolicy,
  request: { group: string; action: 'join' | 'heartbeat' | 'commit'; topics?: readonly string[] },
): void {
  const { group, action, topics = [] } = request;
  if (policy.pollerGroups.includes(group)) {
    throw new ForbiddenError(
      `Consumer group "${group}" is run by Lambda pollers, so HTTP members may not ${action} it: ` +
        'use another group id, or let HTTP members in with addConsumer({ allowHttpMembers: true }).',
      { errorCode: 40302 },
    );
  }
  const granted = new Set(grantedTopics(policy, group, topics));
  const refused = [...new Set(topics.filter((topic) => !granted.has(topic)))];
  if (refused.length > 0) {
    const allowed = policy.groupTopics[group] as readonly string[];
    throw new ForbiddenError(
      `Consumer group "${group}" is not granted topic${refused.length > 1 ? 's' : ''} ${refused
        .map((t) => `"${t}"`)
        .join(', ')} (granted: ${allowed.join(', ')}): name it in the grantConsume that names this group.`,
      { errorCode: 40303, topic: refused[0] },
    );
  }
}

/**
 * The topics, of those given, that HTTP members of the group may use: all of them in a group
 * whose grants name every topic or that no grant names, else the ones granted with it. For a
 * pattern subscription that meets new topics, which are left out rather than refused.
 *
 * @example
 * grantedTopics(policy, 'billing', ['orders', 'payments']); // ['orders'] if only orders is granted
 */
export function grantedTopics(policy: GroupAccessPolicy, group: string, topics: readonly string[]): string[] {
  if (!Object.hasOwn(policy.groupTopics, group)) return [...topics];
  const allowed = policy.groupTopics[group];
  if (allowed === ANY_TOPIC) return [...topics];
  return topics.filter((topic) => allowed.includes(topic));
}
