/**
 * The producer: kafkajs's `send` over the HTTP API, batching concurrent sends per topic and,
 * by default, idempotent so retries never duplicate a record.
 */
import { SluiceError } from '../../errors';
import { MAX_RECORDS_PER_APPEND } from '../../log/limits';
import { topicPath } from '../paths';
import { type ConnectionOptions, createTransport, type Transport } from '../transport';
import { type Accumulator, createAccumulator } from './accumulator';
import { dispatchBatch, type PendingMessage } from './dispatch';
import { encodeMessage } from './encode';
import { createProducerSequences } from './sequences';
import type { MessageMetadata, ProducerRecord, RecordMetadata } from './types';

export type { Message, MessageMetadata, ProducerRecord, RecordMetadata } from './types';

/**
 * How long a message waits for others to share its request while traffic is thin, in ms,
 * unless `lingerMs` says otherwise.
 */
export const DEFAULT_LINGER_MS = 5;
/**
 * How long a message may wait while traffic flows, in ms: the linger doubles from `lingerMs`
 * up to this while each request leaves with messages that kept arriving. Used when neither
 * `lingerMs` nor `maxLingerMs` is given (see docs/client.md, "What batching costs").
 */
export const DEFAULT_MAX_LINGER_MS = 2_000;
/**
 * Largest request body a batch grows to, in bytes, unless `batchBytes` says otherwise: below
 * the server's default limit (`MAX_REQUEST_BODY_BYTES`, what fits a Lambda event), with room
 * for the estimate's slack.
 */
export const DEFAULT_BATCH_BYTES = 4_000_000;

/** Options of {@link createProducer}. */
export interface ProducerOptions extends ConnectionOptions {
  /**
   * How long a message waits for others to share its request while traffic is thin, in ms.
   * Given alone, the linger is fixed at this (no adapting). @default 5
   */
  readonly lingerMs?: number;
  /**
   * How long the linger may grow while traffic flows, in ms: it doubles with each request
   * that leaves with messages that kept arriving, and drops back to `lingerMs` after one that
   * carried a lone message (or a single `send`). Equal to `lingerMs` for a fixed linger.
   * @default 2000, or `lingerMs` when only that is given
   */
  readonly maxLingerMs?: number;
  /**
   * Largest request body a batch grows to, in bytes. The server refuses bodies over its limit
   * (4669440 by default) with 413. @default 4000000
   */
  readonly batchBytes?: number;
  /**
   * Retries never duplicate a record: the producer numbers records per partition and the
   * server answers a resent batch with its original offsets. Partitions are then chosen by
   * the client, with the server's own partitioner.
   * @default true
   */
  readonly idempotent?: boolean;
  /** How long the topic's partition count is trusted (idempotent placement), in ms. @default 60000 */
  readonly metadataMaxAgeMs?: number;
}

/** A kafkajs-shaped producer. */
export interface Producer {
  /** Resolves the cluster id; optional, `send` connects on its own. */
  connect(): Promise<void>;
  /** Produces messages to one topic; resolves once all are durable, one entry per partition. */
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  /** Like {@link Producer.send} for several topics at once. */
  sendBatch(batch: { topicMessages: readonly ProducerRecord[] }): Promise<RecordMetadata[]>;
  /** Like {@link Producer.send}, but resolves to where each message landed, in message order. */
  sendEach(record: ProducerRecord): Promise<MessageMetadata[]>;
  /** Sends everything queued now and waits for it. */
  flush(): Promise<void>;
  /** Flushes, then refuses further sends until `connect()` is called again. */
  disconnect(): Promise<void>;
}

type State = 'ready' | 'disconnecting' | 'disconnected';

/**
 * Builds a producer.
 *
 * @example
 * const producer = createProducer({ url: 'http://127.0.0.1:8080' });
 * const [meta] = await producer.send({ topic: 'orders', messages: [{ key: 'order-42', value: JSON.stringify({ total: 9 }) }] });
 * console.log(meta.partition, meta.baseOffset); // 3 '17'
 * await producer.disconnect();
 */
export function createProducer(options: ProducerOptions = {}): Producer {
  const lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  const maxLingerMs =
    options.maxLingerMs ?? (options.lingerMs === undefined ? DEFAULT_MAX_LINGER_MS : lingerMs);
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const idempotent = options.idempotent ?? true;
  const maxAge = options.metadataMaxAgeMs ?? 60_000;
  if (!Number.isFinite(lingerMs) || lingerMs < 0)
    throw new TypeError(`lingerMs must be ≥ 0, got ${lingerMs}.`);
  if (!Number.isFinite(maxLingerMs) || maxLingerMs < lingerMs) {
    throw new TypeError(`maxLingerMs must be ≥ lingerMs (${lingerMs}), got ${maxLingerMs}.`);
  }
  if (!Number.isInteger(batchBytes) || batchBytes < 1) {
    throw new TypeError(`batchBytes must be a positive integer, got ${batchBytes}.`);
  }
  const transport: Transport = createTransport(options);
  const queues = new Map<string, Accumulator<PendingMessage>>();
  const partitionCounts = new Map<string, { count: Promise<number>; until: number }>();
  let state: State = 'ready';

  function partitionCount(topic: string): Promise<number> {
    const cached = partitionCounts.get(topic);
    if (cached && cached.until > Date.now()) return cached.count;
    const count = (async () => {
      const { body } = await transport.request<{ partitions_count: number }>({
        method: 'GET',
        path: topicPath(await transport.clusterPath(), topic),
      });
      return body.partitions_count;
    })();
    partitionCounts.set(topic, { count, until: Date.now() + maxAge });
    count.catch(() => partitionCounts.delete(topic));
    return count;
  }

  function queueFor(topic: string): Accumulator<PendingMessage> {
    let queue = queues.get(topic);
    if (!queue) {
      const context = {
        transport,
        topic,
        sequences: idempotent ? createProducerSequences() : undefined,
        partitionCount: () => partitionCount(topic),
        onRejected: () => partitionCounts.delete(topic),
      };
      queue = createAccumulator<PendingMessage>({
        lingerMs,
        maxLingerMs,
        batchBytes,
        maxBatchItems: MAX_RECORDS_PER_APPEND,
        dispatch: (items) => dispatchBatch(context, items),
      });
      queues.set(topic, queue);
    }
    return queue;
  }

  function sendEach(record: ProducerRecord): Promise<MessageMetadata[]> {
    if (state !== 'ready') {
      return Promise.reject(
        new SluiceError(
          'The producer is disconnected: call connect() before sending again.',
          'invalid-request',
        ),
      );
    }
    if (typeof record?.topic !== 'string' || record.topic === '') {
      return Promise.reject(new TypeError('send: topic must be a non-empty string.'));
    }
    if (!Array.isArray(record.messages) || record.messages.length === 0) {
      return Promise.reject(
        new TypeError(`send to "${record.topic}": messages must hold at least one message.`),
      );
    }
    let encoded: ReturnType<typeof encodeMessage>[];
    try {
      encoded = record.messages.map(encodeMessage);
    } catch (error) {
      return Promise.reject(error);
    }
    const queue = queueFor(record.topic);
    return Promise.all(
      encoded.map(
        (message) =>
          new Promise<MessageMetadata>((resolve, reject) => {
            queue.add({
              ...message,
              settle: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
            });
          }),
      ),
    );
  }

  async function flush(): Promise<void> {
    await Promise.all([...queues.values()].map((queue) => queue.flush()));
  }

  return {
    async connect() {
      state = 'ready';
      await transport.clusterPath();
    },
    sendEach,
    async send(record) {
      return toRecordMetadata(await sendEach(record));
    },
    async sendBatch({ topicMessages }) {
      const results = await Promise.all(topicMessages.map((record) => sendEach(record)));
      return toRecordMetadata(results.flat());
    },
    flush,
    async disconnect() {
      if (state === 'disconnected') return;
      state = 'disconnecting';
      try {
        await flush();
      } finally {
        state = 'disconnected';
      }
    },
  };
}

/** kafkajs's answer: one entry per topic partition, with the lowest offset written there. */
function toRecordMetadata(messages: readonly MessageMetadata[]): RecordMetadata[] {
  const byPartition = new Map<string, RecordMetadata>();
  for (const m of messages) {
    const slot = `${m.topicName}\u0000${m.partition}`;
    const seen = byPartition.get(slot);
    if (!seen || BigInt(m.offset) < BigInt(seen.baseOffset)) {
      byPartition.set(slot, {
        topicName: m.topicName,
        partition: m.partition,
        errorCode: 0,
        baseOffset: m.offset,
        logAppendTime: '-1',
        logStartOffset: '-1',
      });
    }
  }
  return [...byPartition.values()];
}
