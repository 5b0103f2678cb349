import type { Cluster } from '../../shared/cluster';
import { createConsumerInstanceService } from '../../shared/groups/instances';
import { createGroupService } from '../../shared/groups/service';
import { createTestTopic, testGroupName } from '../support/groups';
import { newCluster } from './support/core';

/**
 * Requests of one v2 consumer instance that overlap, against the emulators, each race injected
 * at an exact point. A delete while another request of the instance runs, where that request's
 * heartbeat reads the group: the heartbeat finds the member gone and joins the group again;
 * the request then cannot save the instance (gone), answers 40403, and must not leave that
 * member behind. An assignment saved while a subscribe runs: the subscribe is refused and
 * joins nothing.
 */

const cluster = newCluster();
afterAll(() => cluster.close());
const INSTANCE_TIMEOUT_MS = 60_000;

/** The consumer-instance service over `storage` (the plain cluster, or one with a race injected). */
function instancesOver(storage: Cluster) {
  return createConsumerInstanceService({
    cluster: storage,
    groups: createGroupService({ cluster: storage }),
    instanceTimeoutMs: INSTANCE_TIMEOUT_MS,
  });
}

it('a request whose instance is deleted meanwhile answers 40403 and leaves no member holding partitions', async () => {
  const topic = await createTestTopic(cluster, 'v2-race', 2);
  const group = testGroupName('v2-race');
  const plain = instancesOver(cluster);

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
  const instances = instancesOver(racing);

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

it('a subscribe that an assignment of its instance overtakes is refused 409 / 40906 without joining the group', async () => {
  const topic = await createTestTopic(cluster, 'v2-race', 2);
  const group = testGroupName('v2-race');
  const plain = instancesOver(cluster);
  // The subscribe's storage: its first save of the instance finds the assignment saved first.
  let assignBeforeNextSave = false;
  const racing: Cluster = {
    ...cluster,
    groups: {
      ...cluster.groups,
      saveInstance: async (instance) => {
        if (assignBeforeNextSave) {
          assignBeforeNextSave = false;
          await plain.assign(group, 'both', [{ topic: topic.name, partition: 0 }]);
        }
        return cluster.groups.saveInstance(instance);
      },
    },
  };
  const instances = instancesOver(racing);
  await plain.create({ group, name: 'both', format: 'binary' });

  assignBeforeNextSave = true;
  await expect(instances.subscribe(group, 'both', { topics: [topic.name] })).rejects.toMatchObject({
    errorCode: 40906,
  });
  expect(assignBeforeNextSave).toBe(false);
  const { members, leases } = await cluster.groups.snapshot(group);
  expect(members).toEqual([]);
  expect(leases.filter((l) => l.owner !== undefined)).toEqual([]);
  expect(await plain.assignment(group, 'both')).toEqual([{ topic: topic.name, partition: 0 }]);
});
