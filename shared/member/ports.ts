/**
 * How a group member reaches its group and reads its partitions. The member runtime is
 * written once against these two ports; the poller plugs in the direct ones (`direct.ts`: the
 * group service and the log, in process), the client's consumer plugs in its HTTP ones
 * (`shared/client/consumer/remote.ts`).
 */
import type { LeaseClaim, MemberState, OffsetReset } from '../groups/types';

/** The lease protocol as one member sees it. */
export interface GroupPort {
  /**
   * Whether joining again after the session lapsed keeps the member id, so leases nobody took
   * meanwhile are still this member's at the same epoch (a poller). When not (an HTTP member,
   * whose id the server mints), the runtime stops every partition before it joins again.
   */
  readonly rejoinsAsSameMember: boolean;
  /** Joins (or joins again) and answers what the member holds. */
  join(): Promise<MemberState>;
  /** Renews the session, rebalances; throws NotFoundError (40405) once the member is unknown. */
  heartbeat(memberId: string): Promise<MemberState>;
  /** Commits the next offset to consume under the claim; `extendTo` renews the lease in the same write where the port can. Throws FencedError when the claim is stale. */
  commit(claim: LeaseClaim, offset: number, extendTo: number): Promise<void>;
  /** Hands one drained partition back to the group. */
  release(claim: LeaseClaim): Promise<void>;
  /** Leaves the group; `held` are the partitions its workers stopped cleanly on. */
  leave(memberId: string, held: readonly LeaseClaim[]): Promise<void>;
}

/** One read of a partition from `offset`. */
export interface RecordRead {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly autoOffsetReset: OffsetReset;
}

/** What a read found: `nextOffset` is where the next read starts. */
export interface RecordsRead<R> {
  readonly records: readonly R[];
  readonly nextOffset: number;
  readonly logEndOffset: number;
}

/** How a member reads its partitions; `R` is the record as its deliveries want it. */
export interface RecordSource<R> {
  read(request: RecordRead): Promise<RecordsRead<R>>;
}
