/**
 * The poller runtime: a consumer-group member that holds leases through the group service,
 * reads each owned partition in order, delivers Lambda Kafka events, commits, retries and
 * dead-letters; plus wake-on-produce. See `docs/consumer-groups.md`.
 */

export { DEAD_LETTER_HEADERS } from './dead-letter';
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
  createLambdaClient,
  createLambdaHandlerInvoker,
  HandlerFunctionError,
  type HandlerInvoker,
} from './lambda-invoke';
export {
  createPoller,
  type Poller,
  type PollerObserver,
  type PollerOptions,
  type PollerSummary,
  runPoller,
  type StopReason,
} from './poller';
export {
  createWaker,
  type WakeEvent,
  type Waker,
  type WakerOptions,
  type WakeTarget,
  wakerFromEnv,
} from './wake';
