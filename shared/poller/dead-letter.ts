import type { Cluster } from '../cluster';
import type { RecordHeader, StoredRecord } from '../codec/types';
import { UnavailableError } from '../errors';
import type { AppendRecord } from '../log';

/** Headers added to every dead-lettered record (values are UTF-8 text). */
export const DEAD_LETTER_HEADERS = {
  topic: 'sluice.dlq.topic',
  partition: 'sluice.dlq.partition',
  offset: 'sluice.dlq.offset',
  group: 'sluice.dlq.group',
  error: 'sluice.dlq.error',
  attempts: 'sluice.dlq.attempts',
} as const;

export interface DeadLetterInput {
  readonly group: string;
  readonly topic: string;
  readonly records: readonly StoredRecord[];
  readonly error: string;
  readonly attempts: number;
}

/**
 * The dead-letter copy of a failed record: same key, value, timestamp and headers, plus
 * headers naming where it came from and why it failed (as Kafka Connect's DLQ does).
 *
 * @example
 * const copy = deadLetterRecord({ group: 'g', topic: 'orders', records: [record], error: 'boom', attempts: 4 }, record);
 */
export function deadLetterRecord(input: DeadLetterInput, record: StoredRecord): AppendRecord {
  const text = (key: string, value: string): RecordHeader => ({ key, value: Buffer.from(value, 'utf8') });
  return {
    key: record.key,
    value: record.value,
    timestamp: record.timestamp,
    headers: [
      ...record.headers,
      text(DEAD_LETTER_HEADERS.topic, input.topic),
      text(DEAD_LETTER_HEADERS.partition, String(record.partition)),
      text(DEAD_LETTER_HEADERS.offset, String(record.offset)),
      text(DEAD_LETTER_HEADERS.group, input.group),
      // Error texts can be long (stack traces); a header is not the place for all of it.
      text(DEAD_LETTER_HEADERS.error, input.error.slice(0, 4096)),
      text(DEAD_LETTER_HEADERS.attempts, String(input.attempts)),
    ],
  };
}

/**
 * Appends the failed records to the dead-letter topic. Throws when any record could not be
 * appended, so the caller does not commit past records that are in neither place.
 *
 * @example
 * await appendDeadLetters(cluster, 'orders-dlq', { group, topic, records, error, attempts });
 */
export async function appendDeadLetters(
  cluster: Pick<Cluster, 'topics' | 'log'>,
  deadLetterTopic: string,
  input: DeadLetterInput,
): Promise<void> {
  const topic = await cluster.topics.get(deadLetterTopic);
  const results = await cluster.log.append(
    topic,
    input.records.map((record) => deadLetterRecord(input, record)),
  );
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) {
    throw new UnavailableError(
      `Could not append ${input.records.length} failed record(s) of ${input.topic} to dead-letter topic "${deadLetterTopic}": ${failed.error.message}`,
      { topic: input.topic, cause: failed.error },
    );
  }
}
