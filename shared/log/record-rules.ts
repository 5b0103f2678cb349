/**
 * The rules a produced record and a produce request must keep, stated once: the log applies
 * them before it writes anything (`append.ts`), and the HTTP API applies them record by record
 * first, so that a produce can report a bad record in its own result and append the rest (the
 * REST Proxy's failure model) while the log still refuses anything that slipped past.
 */
import { MAX_RECORD_TIMESTAMP } from '../codec';
import type { ProducedRecord } from '../codec/types';
import { InvalidRequestError, RecordTooLargeError, type SluiceError } from '../errors';
import type { Topic } from '../topics/registry';
import { eventRecordBytes, MAX_EVENT_BYTES, MAX_RECORDS_PER_APPEND } from './limits';

/**
 * Refuses a request of no records or of more than {@link MAX_RECORDS_PER_APPEND}: a request
 * over the limit is refused whole, however many of its records are good.
 *
 * @example
 * checkRecordCount(topic, 10_001); // throws InvalidRequestError
 */
export function checkRecordCount(topic: Topic, count: number): void {
  if (count === 0) {
    throw new InvalidRequestError('The request holds no records: send at least one.', { topic: topic.name });
  }
  if (count > MAX_RECORDS_PER_APPEND) {
    throw new InvalidRequestError(
      `The request holds ${count} records, over the limit of ${MAX_RECORDS_PER_APPEND} per request: split it.`,
      { topic: topic.name },
    );
  }
}

/** Bytes a record carries: key, value and headers (what max.message.bytes limits). */
export function recordSize(record: ProducedRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) size += Buffer.byteLength(header.key) + (header.value?.length ?? 0);
  return size;
}

/**
 * What is wrong with record `index` of a request to `topic`, or undefined when it may be
 * appended: its size, its timestamp, and the partition it names.
 *
 * @example
 * recordProblem(topic, { key: null, value: null, headers: [], timestamp: -1 }, 0); // an InvalidRequestError
 */
export function recordProblem(
  topic: Topic,
  record: ProducedRecord & { readonly partition?: number },
  index: number,
): SluiceError | undefined {
  const limit = topic.configs['max.message.bytes'];
  const size = recordSize(record);
  if (size > limit) {
    return new RecordTooLargeError(
      `Record ${index} is ${size} bytes, over the topic's max.message.bytes of ${limit}: shrink it or raise max.message.bytes.`,
      { topic: topic.name },
    );
  }
  // Only reachable when max.message.bytes is raised past a few MB, or by many header bytes.
  if (eventRecordBytes(topic.name, record) > MAX_EVENT_BYTES) {
    return new RecordTooLargeError(
      `Record ${index} would not fit the ${MAX_EVENT_BYTES}-byte event a Lambda consumer receives (keys and values travel in base64, header values as byte lists): shrink it.`,
      { topic: topic.name },
    );
  }
  if (
    !Number.isInteger(record.timestamp) ||
    record.timestamp < 0 ||
    record.timestamp > MAX_RECORD_TIMESTAMP
  ) {
    return new InvalidRequestError(
      `Record ${index} has timestamp ${record.timestamp}: a record timestamp is whole milliseconds from 1970-01-01T00:00:00Z (0) to ${MAX_RECORD_TIMESTAMP}.`,
      { topic: topic.name },
    );
  }
  if (
    record.partition !== undefined &&
    (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= topic.partitionCount)
  ) {
    return new InvalidRequestError(
      `Record ${index} names partition ${record.partition}, but topic "${topic.name}" has partitions 0 to ${topic.partitionCount - 1}.`,
      { topic: topic.name, partition: record.partition },
    );
  }
  return undefined;
}
