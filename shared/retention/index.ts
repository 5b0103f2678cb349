/**
 * Time-based retention (Kafka's `retention.ms`, `cleanup.policy=delete`): deletes expired
 * slots from the front of each partition (the log start may reach the log end), then the S3
 * objects no slot references any more; inline slots and voids are left to DynamoDB's TTL.
 * Design note: `docs/retention.md`.
 */
export {
  isExpired,
  RETENTION_CHANGE_SETTLE_MS,
  RETENTION_TTL_MARGIN_MS,
  retentionTimestamp,
  slotExpiry,
  voidAgedFrom,
} from './expiry';
export { collectSegment, type ObjectOutcome } from './objects';
export { type PartitionSweep, sweepPartition, type TouchedSegment } from './partition';
export { type PurgeResult, purgeTopic } from './purge';
export { sweepAll, sweepTopic } from './sweep';
export { extendPartitionExpiries } from './ttl';
export type { RetentionDeps, SweepAllResult, SweepCounts } from './types';
