/**
 * How one partition's records reach the handler, whoever holds the partition: the poller's
 * worker (`worker.ts`) and the stream trigger (`stream-trigger.ts`) build their
 * {@link DeliveryContext} here, so both invoke, read the answer, retry, bisect and
 * dead-letter by the same rules (`deliver.ts`).
 */
import type { StoredRecord } from '../codec/types';
import { describeError } from '../logger';
import type { Topic } from '../topics/registry';
import { appendDeadLetters } from './dead-letter';
import { type Attempt, type DeliveryContext, exponentialBackoff } from './deliver';
import { readBatchResponse, toKafkaEvent } from './event';
import type { ResolvedPollerOptions } from './options';

/** What differs between holders: how they commit, wait and learn they must stop. */
export interface PartitionHolder {
  readonly topic: Topic;
  readonly partition: number;
  readonly epoch: number;
  /** Commits `offset` as the next to consume; throws `FencedError` when the lease is lost. */
  commit(offset: number): Promise<void>;
  /** A wait that ends early when the holder must stop. */
  sleep(ms: number): Promise<void>;
  stopping(): boolean;
}

/**
 * The delivery context of one held partition: invokes the handler with a Lambda Kafka event,
 * reads its answer (`batchItemFailures`), logs and reports retries, and gives up failed
 * records to the dead-letter topic (or skips them without one).
 *
 * @example
 * const done = await deliverBatch(partitionDelivery(options, { topic, partition: 0, epoch, commit, sleep, stopping }), records);
 */
export function partitionDelivery(options: ResolvedPollerOptions, holder: PartitionHolder): DeliveryContext {
  const { topic, partition, epoch } = holder;
  const { logger, observer } = options;
  const where = { group: options.group, topic: topic.name, partition, epoch };
  const partitionKey = `${topic.name}-${partition}`;

  async function invoke(records: readonly StoredRecord[]): Promise<Attempt> {
    const offsets = records.map((r) => r.offset);
    try {
      const event = toKafkaEvent([{ topic: topic.name, records }], options.bootstrapServers);
      const answer = readBatchResponse(await options.handler(event), partitionKey, offsets);
      if (answer.ok) return answer;
      const error =
        answer.failed.length === 0
          ? 'the handler returned batchItemFailures naming records outside the batch, or malformed'
          : `the handler reported ${answer.failed.length} failed record(s), first at offset ${answer.failedFrom}`;
      return { ...answer, error };
    } catch (error) {
      return { ok: false, failedFrom: offsets[0], failed: [], error: describeError(error) };
    }
  }

  return {
    invoke,
    commit: (offset) => holder.commit(offset),
    async giveUp(records, error, attempts) {
      const offsets = records.map((r) => r.offset);
      if (options.onFailureTopic !== undefined) {
        await appendDeadLetters(options.cluster, options.onFailureTopic, {
          group: options.group,
          topic: topic.name,
          records,
          error,
          attempts,
        });
        logger.warn('records sent to the dead-letter topic after their last retry', {
          ...where,
          offsets,
          deadLetterTopic: options.onFailureTopic,
          error,
        });
      } else {
        logger.warn('records skipped after their last retry (no dead-letter topic)', {
          ...where,
          offsets,
          error,
        });
      }
      observer?.onDeadLettered?.({ topic: topic.name, partition, offsets, error });
    },
    onRetry(attempt, error) {
      logger.warn('batch failed; retrying', { ...where, attempt, error });
      observer?.onRetry?.({ topic: topic.name, partition, attempt, error });
    },
    retryAttempts: options.retryAttempts,
    bisectOnError: options.bisectOnError,
    backoff: exponentialBackoff(options.retryBackoffMs, options.maxRetryBackoffMs),
    sleep: holder.sleep,
    stopping: holder.stopping,
  };
}
