/**
 * The one consumer-group member runtime: join, heartbeat (renew, rebalance, learn of lost
 * partitions), one worker per held partition, hand drained partitions back, join again when
 * the session lapsed, and leave. The poller (`shared/poller/`) and the client's consumer
 * (`shared/client/consumer/`) are both thin users of it; they differ only in the ports they
 * plug in (see `ports.ts`) and in the round their workers run (see `worker.ts`).
 */
import type { Clock, Sleep } from '../groups/clock';
import { sleepUnlessAborted } from '../groups/clock';
import type { Assignment, LeaseClaim, MemberState } from '../groups/types';
import type { Logger } from '../logger';
import { isProgrammerError } from '../retry';
import { type MemberRuntimeState, memberLifecycle } from './lifecycle';
import type { GroupPort } from './ports';
import { isUnknownMember, type MemberWorker } from './worker';

/** What the runtime hands to the code that starts a partition's worker. */
export interface WorkerContext {
  readonly memberId: string;
  /** Aborted when the member stops. */
  readonly stopped: AbortSignal;
  /** Settles when this partition's previous worker in this process has exited. */
  readonly after: Promise<void>;
  /** A worker's commit was fenced or the member is unknown: heartbeat (or join again) now. */
  lost(error: unknown): void;
  /** A programmer error ended the worker: the member stops and reports it. */
  failed(error: unknown, where?: PartitionRef): void;
}

/** A partition, where a failure happened. */
export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** What a member runtime needs: its group port, its clock and sleep, and how to start a partition's worker. */
export interface MemberRuntimeOptions {
  readonly port: GroupPort;
  /** The group's name, for the logs. */
  readonly group: string;
  readonly logger: Logger;
  readonly now: Clock;
  readonly sleep: Sleep;
  /** @default what the group answered the join with */
  readonly heartbeatIntervalMs?: number;
  /** Checked before each heartbeat: true stops the member (a deadline, idleness). @default never */
  readonly stopTaking?: () => boolean;
  /** Starts the worker of a partition the member acquired; `undefined` leaves it alone. */
  startWorker(assignment: Assignment, context: WorkerContext): MemberWorker | undefined;
  /** A heartbeat or join failed with an error worth retrying; the next interval tries again. */
  onHeartbeatFailed(error: unknown): void;
  /** A programmer error stopped the member (in a worker, or the heartbeat without `where`); `run` rejects with it. */
  onFailure?(error: unknown, where?: PartitionRef): void;
  /** Leaving the group failed (the group lets the member expire instead). @default ignored */
  onLeaveFailed?(error: unknown): void;
}

/** A running group member. */
export interface MemberRuntime {
  readonly state: MemberRuntimeState;
  /** The member id while joined. */
  readonly memberId: string | undefined;
  /** Settles once the first join went through. */
  readonly joined: Promise<void>;
  /** Partitions whose lease moved to another member while this member held it. */
  readonly lostPartitions: number;
  /**
   * Runs `prepare`, joins, heartbeats until stopped, then drains every worker, hands their
   * partitions back and leaves. Call once. Rejects with the programmer error that stopped the
   * member, if one did (after the same clean stop).
   */
  run(prepare?: () => Promise<void>): Promise<void>;
  /** Asks the member to stop; `run` settles once it has left. */
  stop(): void;
  /** Heartbeats now (one at a time: a second call joins the one in flight). */
  heartbeat(): Promise<void>;
  /** Partitions being consumed right now. */
  assignments(): PartitionRef[];
}

const partitionKey = (topic: string, partition: number) => `${topic}-${partition}`;

/**
 * Builds a member. Nothing happens before `run`.
 *
 * @example
 * const member = createMemberRuntime({ port, group: 'billing', logger, now: Date.now, sleep: realSleep,
 *   startWorker: (assignment, context) => startMemberWorker({ ...workerOptions, assignment, ...context }),
 *   onHeartbeatFailed: (error) => logger.warn(String(error)) });
 * const running = member.run();
 * await member.joined;
 * member.stop(); await running;
 */
export function createMemberRuntime(options: MemberRuntimeOptions): MemberRuntime {
  const { port, group, logger, now } = options;
  const life = memberLifecycle();
  const workers = new Map<string, MemberWorker>();
  /** Partitions drained for a rebalance whose release is under way: not to be restarted. */
  const releasing = new Set<string>();
  /** Stale leases already reported, by partition and owner, so each wait is logged once. */
  const reportedWaits = new Set<string>();
  const stopController = new AbortController();
  /** Cuts the heartbeat's pause short: a worker found its partition lost. */
  let wakeController = new AbortController();
  let member: MemberState | undefined;
  let rejoinWanted = false;
  let beating: Promise<void> | undefined;
  let lostPartitions = 0;
  /** The programmer error that stopped a worker (or the heartbeat): `run` rejects with it. */
  let failure: { error: unknown } | undefined;
  let markJoined: () => void = () => {};
  const joined = new Promise<void>((resolve) => {
    markJoined = resolve;
  });

  const stopRequested = () => stopController.signal.aborted;
  const stop = () => {
    stopController.abort();
    wakeController.abort();
  };
  const taking = () => !stopRequested() && !(options.stopTaking?.() ?? false);

  function fail(error: unknown, where?: PartitionRef): void {
    if (!failure) {
      failure = { error };
      options.onFailure?.(error, where);
    }
    stop();
  }

  function context(memberId: string, key: string): WorkerContext {
    return {
      memberId,
      stopped: stopController.signal,
      after: workers.get(key)?.done ?? Promise.resolve(),
      lost(error) {
        if (isUnknownMember(error)) rejoinWanted = true;
        wakeController.abort();
      },
      failed: fail,
    };
  }

  /** Brings the workers in line with what the group says this member holds. */
  function apply(state: MemberState): void {
    for (const stale of state.waitingFor) {
      const key = `${stale.topic}-${stale.partition}@${stale.owner}`;
      if (reportedWaits.has(key)) continue;
      reportedWaits.add(key);
      logger.warn(
        `consumer group ${group}: waiting for partition ${stale.topic}-${stale.partition}, still leased to ${stale.owner} (a member that stopped without releasing it) until ${new Date(stale.expiresAt).toISOString()}`,
        {
          group,
          memberId: state.memberId,
          partition: partitionKey(stale.topic, stale.partition),
          owner: stale.owner,
          expiresAt: stale.expiresAt,
        },
      );
    }
    const held = new Set<string>();
    for (const a of state.assignments) {
      const key = partitionKey(a.topic, a.partition);
      held.add(key);
      if (releasing.has(key)) continue;
      const current = workers.get(key);
      if (current?.state === 'failed') continue; // never restarted: the member is stopping
      if (current && current.epoch === a.epoch && current.state !== 'lost' && current.state !== 'stopped') {
        current.renewed(a.expiresAt);
        continue;
      }
      // A worker of an older epoch lost the lease even if we hold the partition again.
      current?.lose();
      if (life.state === 'stopping' || life.state === 'stopped') continue;
      const worker = options.startWorker(a, context(state.memberId, key));
      if (!worker) continue;
      workers.set(key, worker);
      logger.info('partition acquired', {
        group,
        memberId: state.memberId,
        partition: key,
        epoch: a.epoch,
        offset: a.committedOffset,
      });
    }
    for (const [key, worker] of workers) {
      if (!held.has(key) && worker.state !== 'stopped' && worker.state !== 'failed') {
        if (worker.state !== 'lost') lostPartitions++;
        worker.lose();
      }
    }
    for (const a of state.revoking) {
      const key = partitionKey(a.topic, a.partition);
      const worker = workers.get(key);
      if (worker?.state !== 'running') continue;
      worker.drain();
      releasing.add(key);
      // Hand the partition over as soon as its batch in hand is committed.
      void worker.done
        .then(async () => {
          if (worker.state !== 'stopped') return;
          await port.release(claimOf(state.memberId, worker));
          logger.info('partition released for rebalance', {
            group,
            memberId: state.memberId,
            partition: key,
          });
        })
        .catch((error) =>
          logger.warn('could not release a lease; it will expire', { group, error: String(error) }),
        )
        .finally(() => {
          if (workers.get(key) === worker) workers.delete(key);
          releasing.delete(key);
        });
    }
  }

  /** One heartbeat at a time; a handler's `heartbeat()` joins the one in flight. */
  function beat(): Promise<void> {
    beating ??= (async () => {
      const current = member;
      if (!current || stopRequested() || rejoinWanted) return;
      try {
        member = await port.heartbeat(current.memberId);
        apply(member);
      } catch (error) {
        if (!isUnknownMember(error)) throw error;
        // Our session lapsed (a long pause): join again.
        logger.warn('member session expired; joining again', { group, memberId: current.memberId });
        rejoinWanted = true;
        wakeController.abort(); // a handler's heartbeat found out: the loop joins at once
      }
    })().finally(() => {
      beating = undefined;
    });
    return beating;
  }

  async function stopAllWorkers(): Promise<void> {
    for (const worker of workers.values()) worker.drain();
    await Promise.all([...workers.values()].map((w) => w.done));
  }

  /**
   * Joins again after the session lapsed. A member that keeps its id keeps the workers of
   * the leases nobody took (same epoch); one that gets a new id lets go of everything first.
   */
  async function rejoin(): Promise<void> {
    const previous = member;
    if (!port.rejoinsAsSameMember) {
      await stopAllWorkers();
      member = undefined;
      // Best effort: should the group still hold leases under the old id, free them now
      // rather than make the new member wait a session timeout for them.
      if (previous) await port.leave(previous.memberId, []).catch(() => {});
    }
    member = await port.join();
    rejoinWanted = false;
    apply(member);
  }

  async function heartbeatUntilStopped(): Promise<void> {
    let lastSuccess = now();
    while (taking()) {
      if (wakeController.signal.aborted) wakeController = new AbortController();
      const interval = options.heartbeatIntervalMs ?? member?.heartbeatIntervalMs ?? 3_000;
      await sleepUnlessAborted(options.sleep, interval, wakeController.signal);
      if (!taking()) break;
      try {
        await beat();
        if (rejoinWanted) await rejoin();
        lastSuccess = now();
      } catch (error) {
        if (isProgrammerError(error)) {
          fail(error);
          break;
        }
        options.onHeartbeatFailed(error);
        // Past the session timeout the group has given our partitions away already.
        if (member && now() - lastSuccess > member.sessionTimeoutMs) rejoinWanted = true;
      }
    }
  }

  /** Drains every worker (they commit what they finished), hands their partitions back, leaves. */
  async function shutdown(): Promise<void> {
    await stopAllWorkers();
    await beating?.catch(() => {});
    const leaving = member;
    member = undefined;
    if (leaving) {
      const held = [...workers.values()]
        .filter((w) => w.state === 'stopped' || w.state === 'failed')
        .map((w) => claimOf(leaving.memberId, w));
      await port.leave(leaving.memberId, held).catch((error) => options.onLeaveFailed?.(error));
    }
    workers.clear();
  }

  return {
    get state() {
      return life.state;
    },
    get memberId() {
      return member?.memberId;
    },
    joined,
    get lostPartitions() {
      return lostPartitions;
    },
    async run(prepare) {
      life.to('starting');
      try {
        await prepare?.();
        member = await port.join();
        apply(member);
        markJoined();
        life.to('running');
        await heartbeatUntilStopped();
      } finally {
        stop();
        life.to('stopping');
        await shutdown();
        life.to('stopped');
      }
      if (failure) throw failure.error;
    },
    stop,
    heartbeat: beat,
    assignments: () =>
      [...workers.values()]
        .filter((w) => w.state === 'running' || w.state === 'draining')
        .map((w) => ({ topic: w.topic, partition: w.partition })),
  };
}

function claimOf(owner: string, worker: MemberWorker): LeaseClaim {
  return { topic: worker.topic, partition: worker.partition, owner, epoch: worker.epoch };
}
