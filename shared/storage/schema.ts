/**
 * Key schema of Sluice's two DynamoDB tables. The local harness and the CDK construct both
 * build their tables from these names, so the core, the emulator and AWS agree.
 *
 * - log table: `pk` (S) = `{topicId}#{partition}`, `sk` (N) = base offset of one committed
 *   section. One item per committed batch per partition.
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
