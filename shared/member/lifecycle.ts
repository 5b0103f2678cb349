/**
 * Lifecycles as explicit state tables with guarded transitions: a transition not in the
 * table is a programming error and throws, instead of leaving a half-stopped member.
 */

/**
 * A group member (a poller, a client's consumer): created → starting → running → stopping →
 * stopped (or straight to stopping on a failed start).
 */
export type MemberRuntimeState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

const MEMBER: Record<MemberRuntimeState, readonly MemberRuntimeState[]> = {
  created: ['starting'],
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/**
 * One partition's worker: `running` fetches and delivers; `draining` finishes the batch in
 * hand and stops (the lease is then released); `lost` means the lease moved to another
 * member — nothing more may be committed; `stopped` is final; so is `failed`: a programmer
 * error ended the worker, which is never retried (the member stops with the error).
 */
export type WorkerState = 'running' | 'draining' | 'lost' | 'stopped' | 'failed';

const WORKER: Record<WorkerState, readonly WorkerState[]> = {
  running: ['draining', 'lost', 'stopped', 'failed'],
  draining: ['lost', 'stopped', 'failed'],
  lost: ['stopped', 'failed'],
  stopped: [],
  failed: [],
};

/** A state holder that only moves along its table. */
export interface StateMachine<S extends string> {
  readonly state: S;
  /** Moves to `to`; throws if the table does not allow it. */
  to(to: S): void;
  /** Moves to `to` if allowed; returns whether it moved. */
  tryTo(to: S): boolean;
}

function machine<S extends string>(
  table: Record<S, readonly S[]>,
  initial: S,
  what: string,
): StateMachine<S> {
  let state = initial;
  return {
    get state() {
      return state;
    },
    to(to) {
      if (!table[state].includes(to)) throw new Error(`${what}: illegal transition ${state} → ${to}`);
      state = to;
    },
    tryTo(to) {
      if (!table[state].includes(to)) return false;
      state = to;
      return true;
    },
  };
}

/**
 * @example
 * const life = memberLifecycle(); life.to('starting');
 */
export function memberLifecycle(): StateMachine<MemberRuntimeState> {
  return machine(MEMBER, 'created', 'group member');
}

/**
 * @example
 * const life = workerLifecycle(); life.tryTo('draining');
 */
export function workerLifecycle(): StateMachine<WorkerState> {
  return machine(WORKER, 'running', 'partition worker');
}
