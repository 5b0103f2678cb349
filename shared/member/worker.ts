/**
 * One held partition of a group member: its lifecycle (the state table in `lifecycle.ts`),
 * its fenced commit, its interruptible pauses and its loop, which runs the member's round
 * (read, deliver, commit) until the partition is drained, lost or the member stops. The
 * round is what differs between members: the poller gathers a Lambda event and delivers it
 * with retries and dead letters, the client's consumer hands a batch to `eachMessage` or
 * `eachBatch`.
 */
import { FencedError, NotFoundError, StaleTopicError } from '../errors';
import { type Clock, type Sleep, sleepUnlessAborted } from '../groups/clock';
import type { Assignment, LeaseClaim } from '../groups/types';
import { UNKNOWN_MEMBER_ERROR_CODE } from '../groups/types';
import { type BackoffPolicy, loopBackoff } from '../retry';
import { type WorkerState, workerLifecycle } from './lifecycle';
import type { GroupPort } from './ports';

/** A held partition as its round sees it. */
export interface MemberWorker {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  readonly state: WorkerState;
  /** The committed offset: the next one to consume. */
  readonly committed: number;
  /** Until when the lease is known to be held (by the member's clock). */
  readonly expiresAt: number;
  /** Resolves once the worker stopped (or failed); it never rejects. */
  readonly done: Promise<void>;
  /** True once the worker should take no new work: drained, lost, or the member stops. */
  stopping(): boolean;
  /** Waits `ms`, or less when the worker is drained, lost or the member stops. */
  pause(ms: number): Promise<void>;
  /**
   * Commits `offset` (the next to consume) under this worker's epoch, renewing the lease in
   * the same write. A commit at or below the last one does nothing. When the group says the
   * partition moved (FencedError) or the member is unknown (NotFoundError 40405), the worker
   * is `lost` and the error is thrown on.
   */
  commit(offset: number): Promise<void>;
  /** The heartbeat renewed the lease until `expiresAt`. */
  renewed(expiresAt: number): void;
  /** Finish the batch in hand, then stop (the lease is then released). */
  drain(): void;
  /** The lease moved to another member: stop at once, commit nothing more. */
  lose(): void;
}

/** What a member worker needs: its lease, where it commits, its clock and sleep, and its round. */
export interface MemberWorkerOptions {
  readonly assignment: Assignment;
  readonly memberId: string;
  readonly group: Pick<GroupPort, 'commit'>;
  /** How far a commit renews the lease. */
  readonly leaseDurationMs: number;
  /** How long to wait before looking again while the lease looks lapsed by our clock. */
  readonly pollIntervalMs: number;
  readonly now: Clock;
  readonly sleep: Sleep;
  /** Aborted when the whole member stops. */
  readonly stopped: AbortSignal;
  /** True once the member takes no new work (stop, deadline, idle). @default never */
  readonly stopTaking?: () => boolean;
  /** Settles when this partition's previous worker in this process has exited. @default at once */
  readonly after?: Promise<void>;
  /** The waits between failed rounds. */
  readonly backoff: BackoffPolicy;
  /** One round: read, deliver, commit (with `worker.commit`). */
  round(worker: MemberWorker): Promise<void>;
  /** A round failed with an error worth retrying; the worker waits its backoff, then runs the next round. */
  onRoundFailed(error: unknown, failures: number): void;
  /**
   * The group fenced a commit, or no longer knows the member, or the topic the worker reads
   * was deleted (perhaps re-created) since it was resolved: the worker is `lost`, and the
   * member starts the partition's worker again at its next heartbeat if it still holds it.
   */
  onLost(error: FencedError | NotFoundError | StaleTopicError): void;
  /** A programmer error ended the worker (state `failed`); it is not retried. */
  onFailed(error: unknown): void;
  /** Runs once the loop ended (stopped, lost or failed), before `done` settles: a last commit, say. */
  finish?(worker: MemberWorker): Promise<void>;
}

/** Whether the group says it no longer knows the member: it must join again. */
export function isUnknownMember(error: unknown): error is NotFoundError {
  return error instanceof NotFoundError && error.errorCode === UNKNOWN_MEMBER_ERROR_CODE;
}

/**
 * Starts the worker of one acquired partition. Errors of a round are retried from the last
 * commit with the core's loop backoff; a fenced commit ends the worker as `lost`; a
 * programmer error (`TypeError`, `RangeError`, …) is never retried: the worker ends in state
 * `failed` and says so with `onFailed`.
 *
 * @example
 * const worker = startMemberWorker({ assignment, memberId, group: port, leaseDurationMs: 30_000, pollIntervalMs: 100, now: Date.now,
 *   sleep: realSleep, stopped: controller.signal, backoff: {}, round: async (w) => { await w.pause(100); },
 *   onRoundFailed: console.warn, onLost: () => {}, onFailed: console.error });
 */
export function startMemberWorker(options: MemberWorkerOptions): MemberWorker {
  const { assignment, now } = options;
  const { topic, partition, epoch } = assignment;
  const life = workerLifecycle();
  const claim: LeaseClaim = { topic, partition, owner: options.memberId, epoch };
  let committed = assignment.committedOffset;
  let expiresAt = assignment.expiresAt;
  const halt = new AbortController();
  const haltWithMember = () => halt.abort();
  options.stopped.addEventListener('abort', haltWithMember, { once: true });
  if (options.stopped.aborted) halt.abort();

  let done: Promise<void> = Promise.resolve();
  const worker: MemberWorker = {
    topic,
    partition,
    epoch,
    get state() {
      return life.state;
    },
    get committed() {
      return committed;
    },
    get expiresAt() {
      return expiresAt;
    },
    get done() {
      return done;
    },
    stopping: () => life.state !== 'running' || (options.stopTaking?.() ?? false),
    pause: (ms) => sleepUnlessAborted(options.sleep, ms, halt.signal),
    async commit(offset) {
      if (offset <= committed) return;
      if (life.state === 'lost') throw new FencedError(`Lease of ${topic}-${partition} was lost.`);
      const extendTo = now() + options.leaseDurationMs;
      try {
        await options.group.commit(claim, offset, extendTo);
      } catch (error) {
        if (error instanceof FencedError || isUnknownMember(error)) {
          if (life.tryTo('lost')) halt.abort();
          options.onLost(error);
        }
        throw error;
      }
      committed = offset;
      expiresAt = Math.max(expiresAt, extendTo);
    },
    renewed(until) {
      expiresAt = Math.max(expiresAt, until);
    },
    drain() {
      if (life.tryTo('draining')) halt.abort();
    },
    lose() {
      if (life.tryTo('lost')) halt.abort();
    },
  };

  async function loop(): Promise<void> {
    await options.after;
    const failures = loopBackoff(options.backoff);
    while (!worker.stopping()) {
      try {
        // Our clock says the lease lapsed: start no round until the heartbeat has renewed it
        // (or found it lost).
        if (now() >= expiresAt) {
          await worker.pause(options.pollIntervalMs);
          continue;
        }
        await options.round(worker);
        failures.succeeded();
      } catch (error) {
        if (life.state === 'lost' || error instanceof FencedError) {
          life.tryTo('lost');
          break;
        }
        // The worker's topic is gone from under it: retrying the same topic id can only fail
        // again. Its lease may well still be ours; a new worker resolves the topic afresh.
        if (error instanceof StaleTopicError) {
          life.tryTo('lost');
          options.onLost(error);
          break;
        }
        const wait = failures.failed(error); // a programmer error ends the loop here
        if (worker.stopping()) break; // a round cut short by a stop is no failure to report
        options.onRoundFailed(error, failures.failures);
        await worker.pause(wait);
      }
    }
    await options.finish?.(worker);
    life.tryTo('stopped');
  }

  done = loop()
    .catch(async (error: unknown) => {
      life.tryTo('failed');
      await options.finish?.(worker).catch(() => {});
      options.onFailed(error);
    })
    .finally(() => options.stopped.removeEventListener('abort', haltWithMember));
  return worker;
}
