/**
 * The member runtime's decisions, with the group port as a stand-in (the runtime's logic is
 * under test, not the group service; the poller and the client's consumer run it against the
 * emulators in the integration tests): how a lapsed session is joined again, which workers
 * survive a heartbeat, and how a drained partition is handed back.
 */
import { NotFoundError } from '../../shared/errors';
import { sleepUnlessAborted } from '../../shared/groups/clock';
import type { MemberState } from '../../shared/groups/service';
import type { Assignment, LeaseClaim } from '../../shared/groups/types';
import { silentLogger } from '../../shared/logger';
import type { GroupPort } from '../../shared/member/ports';
import { createMemberRuntime, type MemberRuntime } from '../../shared/member/runtime';
import { startMemberWorker } from '../../shared/member/worker';

/** Yields to timers and I/O, as a real sleep does, so loops cannot starve jest. */
const yieldingSleep = () => new Promise<void>((resolve) => setImmediate(resolve));

const unknownMember = () => new NotFoundError('no such member', { errorCode: 40405 });

function state(memberId: string, assignments: Assignment[], revoking: Assignment[] = []): MemberState {
  return {
    group: 'billing',
    memberId,
    sessionTimeoutMs: 30_000,
    heartbeatIntervalMs: 1,
    assignments,
    revoking,
    waitingFor: [],
  };
}

const partition0 = (epoch: number): Assignment => ({
  topic: 'orders',
  partition: 0,
  epoch,
  committedOffset: 0,
  expiresAt: Number.POSITIVE_INFINITY,
});

/**
 * A member whose workers idle until stopped, over `port`; `events` records the port's calls
 * and the workers' starts and ends, in order.
 */
function member(port: GroupPort, events: string[]): MemberRuntime {
  return createMemberRuntime({
    port,
    group: 'billing',
    logger: silentLogger,
    now: () => 0,
    sleep: yieldingSleep,
    startWorker(assignment, context) {
      const name = `${context.memberId}/${assignment.topic}-${assignment.partition}@${assignment.epoch}`;
      events.push(`start ${name}`);
      const worker = startMemberWorker({
        assignment,
        memberId: context.memberId,
        group: port,
        leaseDurationMs: 30_000,
        pollIntervalMs: 1,
        now: () => 0,
        sleep: yieldingSleep,
        stopped: context.stopped,
        after: context.after,
        backoff: {},
        round: (w) => w.pause(1),
        onRoundFailed: () => {},
        onLost: context.lost,
        onFailed: context.failed,
      });
      void worker.done.then(() => events.push(`end ${name} (${worker.state})`));
      return worker;
    },
    onHeartbeatFailed: (error) => events.push(`heartbeat failed: ${String(error)}`),
  });
}

/** Resolves once `events` holds `event`, giving the loops turns meanwhile. */
async function until(events: string[], event: string): Promise<void> {
  while (!events.includes(event)) await sleepUnlessAborted(yieldingSleep, 1, new AbortController().signal);
}

describe('the member runtime', () => {
  it('lets go of every partition, and leaves, before joining again under a new member id', async () => {
    const events: string[] = [];
    let joins = 0;
    const port: GroupPort = {
      rejoinsAsSameMember: false,
      async join() {
        joins++;
        events.push(`join ${joins}`);
        return state(`m${joins}`, [partition0(joins)]);
      },
      async heartbeat(memberId) {
        if (memberId === 'm1') throw unknownMember();
        return state(memberId, [partition0(2)]);
      },
      commit: async () => {},
      release: async () => {},
      leave: async (memberId) => void events.push(`leave ${memberId}`),
    };
    const runtime = member(port, events);
    const running = runtime.run();
    await until(events, 'start m2/orders-0@2');
    runtime.stop();
    await running;
    expect(events.slice(0, 6)).toEqual([
      'join 1',
      'start m1/orders-0@1',
      'end m1/orders-0@1 (stopped)',
      'leave m1',
      'join 2',
      'start m2/orders-0@2',
    ]);
    expect(events.at(-1)).toBe('leave m2');
  });

  it('keeps the worker of a lease still held at the same epoch when it joins again under its own id', async () => {
    const events: string[] = [];
    let heartbeats = 0;
    const port: GroupPort = {
      rejoinsAsSameMember: true,
      async join() {
        events.push('join');
        return state('poller-1', [partition0(1)]);
      },
      async heartbeat(memberId) {
        heartbeats++;
        if (heartbeats === 1) throw unknownMember();
        if (heartbeats === 3) events.push('heartbeat after the join');
        return state(memberId, [partition0(1)]);
      },
      commit: async () => {},
      release: async () => {},
      leave: async (memberId) => void events.push(`leave ${memberId}`),
    };
    const runtime = member(port, events);
    const running = runtime.run();
    await until(events, 'heartbeat after the join');
    expect(runtime.assignments()).toEqual([{ topic: 'orders', partition: 0 }]);
    runtime.stop();
    await running;
    expect(events.filter((e) => e.startsWith('start'))).toEqual(['start poller-1/orders-0@1']);
    expect(events.filter((e) => e === 'join')).toHaveLength(2);
  });

  it('hands a revoked partition back once its worker has drained, and stops a partition that moved', async () => {
    const events: string[] = [];
    const released: LeaseClaim[] = [];
    const partition1: Assignment = { ...partition0(4), partition: 1 };
    let heartbeats = 0;
    const port: GroupPort = {
      rejoinsAsSameMember: true,
      join: async () => state('poller-1', [partition0(1), partition1]),
      async heartbeat(memberId) {
        heartbeats++;
        // First: partition 0 is to be handed back; then: partition 1 moved to another member.
        return heartbeats === 1
          ? state(memberId, [partition0(1), partition1], [partition0(1)])
          : state(memberId, []);
      },
      commit: async () => {},
      async release(claim) {
        released.push(claim);
        events.push('release orders-0');
      },
      leave: async (memberId) => void events.push(`leave ${memberId}`),
    };
    const runtime = member(port, events);
    const running = runtime.run();
    await until(events, 'release orders-0');
    await until(events, 'end poller-1/orders-1@4 (stopped)');
    expect(runtime.lostPartitions).toBe(1);
    runtime.stop();
    await running;
    expect(events.indexOf('end poller-1/orders-0@1 (stopped)')).toBeLessThan(
      events.indexOf('release orders-0'),
    );
    expect(released).toEqual([{ topic: 'orders', partition: 0, owner: 'poller-1', epoch: 1 }]);
  });
});
