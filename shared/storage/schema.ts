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
 * Sort key of a partition's sequencer item in the log table. Slots are keyed by the end of
 * their offset range, which stays below 2^53 − 1, so the sequencer sorts after every slot and
 * a descending query returns it first, followed by the newest slots.
 */
export const SEQUENCER_SORT_KEY = Number.MAX_SAFE_INTEGER;
