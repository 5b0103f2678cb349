/**
 * Consumer groups: the lease protocol, the poller runtime and wake-on-produce. See
 * `docs/consumer-groups.md`.
 */
export { type Plan, type PlanInput, planAssignment } from './balance';
export { type Clock, realSleep, type Sleep, systemClock } from './clock';
export {
  type BatchItemFailure,
  type KafkaEvent,
  type KafkaEventRecord,
  type KafkaHandlerResult,
  readBatchResponse,
  toKafkaEvent,
} from './event';
export {
  type AsyncInvoker,
  createLambdaAsyncInvoker,
  createLambdaHandlerInvoker,
  HandlerFunctionError,
  type HandlerInvoker,
} from './lambda-invoke';
export { newMemberId, validateGroupName } from './names';
export {
  createPoller,
  type Poller,
  type PollerLogger,
  type PollerObserver,
  type PollerOptions,
  type PollerSummary,
  runPoller,
  type StopReason,
} from './poller';
export { DEAD_LETTER_HEADERS } from './poller/dead-letter';
export { resolveStartOffset } from './positions';
export {
  createGroupService,
  type GroupDescription,
  type GroupService,
  type GroupServiceOptions,
  heartbeatIntervalFor,
  type MemberState,
  type OffsetCommit,
  type PartitionLag,
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
export {
  createWaker,
  type WakeEvent,
  type Waker,
  type WakerOptions,
  type WakeTarget,
  wakerFromEnv,
} from './wake';
