/**
 * Consumer groups: the lease protocol — members, leases with fencing epochs, balance, offset
 * commits and lag. The runtime that holds leases and delivers records is `shared/poller/`.
 * See `docs/consumer-groups.md`.
 */
export { type Plan, type PlanInput, planAssignment } from './balance';
export { type Clock, realSleep, type Sleep, systemClock } from './clock';
export { newMemberId, validateGroupName } from './names';
export { resolveStartOffset } from './positions';
export {
  createGroupService,
  type GroupDescription,
  type GroupService,
  type GroupServiceOptions,
  heartbeatIntervalFor,
  type MemberState,
  type NumericPartitionLag,
  type OffsetCommit,
  UNKNOWN_GROUP_ERROR_CODE,
  UNKNOWN_MEMBER_ERROR_CODE,
} from './service';
export { createDynamoGroupStore, type GroupStore } from './store';
export type {
  Assignment,
  LeaseRecord,
  MemberRecord,
  OffsetReset,
  StartingPosition,
  StartPolicy,
} from './types';
