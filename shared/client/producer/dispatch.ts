/**
 * Sends one batch of one topic as a v3 `records:batch` request and settles each message.
 *
 * Idempotent: partitions are chosen here, client-side, with the server's partitioner (the
 * server needs each record's partition to check its per-partition sequence), the body is
 * serialized once, and every retry resends exactly those bytes and headers — the server
 * answers records it already has with their original offsets. Not idempotent: a retry
 * resends only the entries that failed retriably.
 */
import { OutOfOrderSequenceError, type SluiceError, UnavailableError } from '../../errors';
import { createDefaultPartitioner } from '../../partitioner';
import { errorFromCode, isRetriable } from '../errors';
import { offsetString, topicPath } from '../paths';
import { withRetry } from '../retry';
import type { Transport } from '../transport';
import type { EncodedMessage } from './encode';
import type { ProducerSequences } from './sequences';
import type { MessageMetadata } from './types';

/** A queued message and how to tell its sender the outcome. */
export interface PendingMessage extends EncodedMessage {
  readonly settle: (outcome: MessageMetadata | Error) => void;
}

/** What a dispatcher needs. */
export interface DispatchContext {
  readonly transport: Transport;
  readonly topic: string;
  /** Present when the producer is idempotent. */
  readonly sequences?: ProducerSequences;
  /** The topic's partition count (cached by the caller); needed only when idempotent. */
  readonly partitionCount: () => Promise<number>;
  /** Told when the server refused the whole batch, e.g. to forget cached topic metadata. */
  readonly onRejected?: (error: unknown) => void;
}

interface BatchAnswer {
  successes?: Success[];
  failures?: Failure[];
}
interface Success {
  id: string;
  partition_id: number;
  offset: number | string;
  timestamp?: string;
}
interface Failure {
  id: string;
  error_code: number;
  message: string;
}

/**
 * Sends `items` and settles every one of them; never rejects.
 *
 * @example
 * await dispatchBatch({ transport, topic: 'orders', partitionCount: async () => 6 }, items);
 */
export async function dispatchBatch(
  context: DispatchContext,
  items: readonly PendingMessage[],
): Promise<void> {
  const { sequences } = context;
  const settled = new Set<number>();
  const settle = (i: number, outcome: MessageMetadata | Error) => {
    if (settled.has(i)) return;
    settled.add(i);
    items[i].settle(outcome);
  };
  try {
    const partitions = sequences ? await placeAll(context, items) : undefined;
    const entries = items.map((item, i) => {
      const partition = partitions ? partitions[i] : item.partition;
      return {
        id: String(i),
        ...(partition === undefined ? {} : { partition_id: partition }),
        ...item.fields,
      };
    });
    const headers = partitions && sequences?.headersFor(countBy(partitions));
    const fixedBody = sequences ? JSON.stringify({ entries }) : undefined;
    const path = `${topicPath(await context.transport.clusterPath(), context.topic)}/records:batch`;
    const written = new Map<number, number>();
    let broken = false;

    await withRetry(async () => {
      const bodyText = fixedBody ?? JSON.stringify({ entries: entries.filter((_, i) => !settled.has(i)) });
      const { body } = await context.transport.send<BatchAnswer>({ method: 'POST', path, bodyText, headers });
      let retriable: SluiceError | undefined;
      for (const success of body.successes ?? []) {
        const i = Number(success.id);
        // A resent batch reports records written by an earlier attempt again: count them once.
        if (!settled.has(i)) written.set(success.partition_id, (written.get(success.partition_id) ?? 0) + 1);
        settle(i, {
          topicName: context.topic,
          partition: success.partition_id,
          offset: offsetString(success.offset),
          timestamp: success.timestamp ? String(Date.parse(success.timestamp)) : '-1',
        });
      }
      for (const failure of body.failures ?? []) {
        const error = errorFromCode(failure.error_code, failure.message);
        if (error.retriable) retriable = error;
        else settle(Number(failure.id), error);
        if (error instanceof OutOfOrderSequenceError) broken = true;
      }
      if (retriable) throw retriable;
    }, context.transport.retry);
    sequences?.advance(written);
    if (broken) sequences?.reset();
  } catch (error) {
    if (sequences && (isRetriable(error) || error instanceof OutOfOrderSequenceError)) {
      // The outcome is unknown (retries ran out) or the sequence is broken: the server's
      // expected sequence is no longer known, so later batches go under a fresh producer id.
      sequences.reset();
    } else if (!isRetriable(error)) {
      context.onRejected?.(error);
    }
    const failure = error instanceof Error ? error : new UnavailableError(String(error));
    items.forEach((_, i) => {
      settle(i, failure);
    });
  }
}

/** Chooses every record's partition as the server would, one sticky choice per batch. */
async function placeAll(context: DispatchContext, items: readonly PendingMessage[]): Promise<number[]> {
  const partitionCount = await context.partitionCount();
  const partitioner = createDefaultPartitioner();
  return items.map((item) =>
    item.partition !== undefined
      ? item.partition
      : partitioner({ topic: context.topic, partitionCount, key: item.key }),
  );
}

function countBy(partitions: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const p of partitions) counts.set(p, (counts.get(p) ?? 0) + 1);
  return counts;
}
