import type { Cluster } from '../../shared/cluster';
import { createConsumerInstanceService } from '../../shared/groups/instances';
import { createGroupService } from '../../shared/groups/service';
import { createTestTopic, testGroupName } from '../support/groups';
import { newCluster } from './support/core';

/**
 * A v2 consumer instance deleted while another of its requests runs, against the emulators:
 * the delete is injected at the exact point where the other request's heartbeat reads the
 * group, so that heartbeat finds the member gone and joins the group again. The request then
 * cannot save the instance (gone), answers 40403, and must not leave that member behind.
 */

const cluster = newCluster();
afterAll(() => cluster.close());
const INSTANCE_TIMEOUT_MS = 60_000;

it('a request whose instance is deleted meanwhile answers 40403 and leaves no member holding partitions', async () => {
  const topic = await createTestTopic(cluster, 'v2-race', 2);
  const group = testGroupName('v2-race');
  const plain = createConsumerInstanceService({
    cluster,
    groups: createGroupService({ cluster }),
    instanceTimeoutMs: INSTANCE_TIMEOUT_MS,
  });

  // The racing request's storage: its next read of the group first lets the delete run.
  let deleteBeforeNextSnapshot = false;
  const racing: Cluster = {
    ...cluster,
    groups: {
      ...cluster.groups,
      snapshot: async (name) => {
        if (deleteBeforeNextSnapshot) {
          deleteBeforeNextSnapshot = false;
          await plain.remove(group, 'doomed');
        }
        return cluster.groups.snapshot(name);
      },
    },
  };
  const instances = createConsumerInstanceService({
    cluster: racing,
    groups: createGroupService({ cluster: racing }),
    instanceTimeoutMs: INSTANCE_TIMEOUT_MS,
  });

  await plain.create({ group, name: 'doomed', format: 'binary', autoOffsetReset: 'earliest' });
  await plain.subscribe(group, 'doomed', { topics: [topic.name] });
  expect((await cluster.groups.snapshot(group)).members.map((m) => m.memberId)).toEqual(['doomed']);

  deleteBeforeNextSnapshot = true;
  await expect(
    instances.read(group, 'doomed', 'binary', { timeoutMs: 0, maxBytes: 1_000 }),
  ).rejects.toMatchObject({ errorCode: 40403 });
  expect(deleteBeforeNextSnapshot).toBe(false);

  const { members, leases } = await cluster.groups.snapshot(group);
  expect(members).toEqual([]);
  expect(leases.filter((l) => l.owner !== undefined)).toEqual([]);
});
