/**
 * Key schema of Sluice's two DynamoDB tables. The local harness and the CDK construct both
 * build their tables from these names, so the core, the emulator and AWS agree.
 *
 * - log table: `pk` (S) = `{topicId}#{partition}`, `sk` (N) = the end offset of one slot (a
 *   committed batch or a void), plus the partition's sequencer at {@link SEQUENCER_SORT_KEY}.
 * - meta table: `pk` (S), `sk` (S). Topics (`pk = 'topic'`, `sk = name`), idempotent
 *   producer state (`pk = 'producer#{id}'`), consumer-group leases (`pk = 'group#{name}'`).
 */
export const LOG_TABLE_KEYS = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'N' },
} as const;

/**
 * The prefix of every segment object key: `segments/{topicId}/{time}-{random}`. The
 * construct's object grants name only keys under it.
 */
export const SEGMENT_PREFIX = 'segments/';

/**
 * Partition-key values of the meta table that IAM conditions (`dynamodb:LeadingKeys`) name:
 * the construct limits each consumer group's poller to its own group's items and the
 * retention sweeper to the topic lists. The core's stores use these same values; an
 * integration test records every key the functions touch against their grants.
 */
export const META_PARTITION_KEYS = {
  /** Topic items: `sk` = topic name. */
  topic: 'topic',
  /** Deleted topics waiting for the sweeper to remove their data: `sk` = topic id. */
  deletedTopic: 'topic-deleted',
  /** The list of consumer groups: `sk` = group id. */
  groupList: 'consumer-groups',
  /** Prefix of every item of one consumer group (leases, members, the poller marker). */
  groupPrefix: 'group#',
} as const;

export const META_TABLE_KEYS = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
} as const;

/**
 * The meta table's TTL attribute (seconds since the epoch): DynamoDB deletes an item some time
 * after it passes. Only idle state carries it (idempotent producer state, 7 days after its
 * producer's last append); topics and groups never do.
 */
export const META_TABLE_TTL_ATTRIBUTE = 'exp';

/**
 * The log table's TTL attribute (seconds since the epoch). Inline data slots and voids carry
 * it when their topic has a retention (`retention.ms` ≥ 0), set past the moment retention's
 * sweeper removes them from the log, so DynamoDB deletes them for free instead of the sweeper
 * paying a delete per slot. Slots whose section is in S3, and sequencers, never carry it.
 * See docs/retention.md ("Expiry by TTL").
 */
export const LOG_TABLE_TTL_ATTRIBUTE = 'exp';

/**
 * Sort key of a partition's sequencer item in the log table. Slots are keyed by the end of
 * their offset range, which stays below 2^53 − 1, so the sequencer sorts after every slot and
 * a descending query returns it first, followed by the newest slots.
 */
export const SEQUENCER_SORT_KEY = Number.MAX_SAFE_INTEGER;

/**
 * The largest section that may be stored inline. A DynamoDB item holds at most 400 KB
 * (names, values and the slot's other attributes together); this leaves room for them.
 */
export const MAX_INLINE_SECTION_BYTES = 300 * 1024;

/**
 * The largest encoded partition section stored inline in its slot item (a request goes to S3
 * when any of its sections is larger). Measured break-even in docs/design/sequenced-log.md
 * ("Inline slots"): below it one DynamoDB write of the section costs less than an S3 PUT
 * beside a small slot write, counting the section's later delete and reads.
 */
export const DEFAULT_INLINE_SECTION_MAX_BYTES = 2048;
