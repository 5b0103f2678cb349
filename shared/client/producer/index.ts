/**
 * The producer: kafkajs's `send` over the HTTP API, batching concurrent sends per topic and,
 * by default, idempotent so retries never duplicate a record.
 */
import { SluiceError } from '../../errors';
import { topicPath } from '../paths';
import { type ConnectionOptions, createTransport, type Transport } from '../transport';
import { type Accumulator, createAccumulator } from './accumulator';
import { dispatchBatch, type PendingMessage } from './dispatch';
import { encodeMessage } from './encode';
import { createProducerSequences } from './sequences';
import type { MessageMetadata, ProducerRecord, RecordMetadata } from './types';

export type { Message, MessageMetadata, ProducerRecord, RecordMetadata } from './types';

/** How long a message waits for others to share its request, in ms, unless `lingerMs` says otherwise. */
export const DEFAULT_LINGER_MS = 5;
/** Largest request body a batch grows to, in bytes, unless `batchBytes` says otherwise. */
export const DEFAULT_BATCH_BYTES = 1_000_000;

/** Options of {@link createProducer}. */
export interface ProducerOptions extends ConnectionOptions {
  /** How long a message waits for others to share its request, in ms. @default 5 */
  readonly lingerMs?: number;
  /** Largest request body a batch grows to, in bytes (the server accepts up to 6 MB). @default 1000000 */
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
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const idempotent = options.idempotent ?? true;
  const maxAge = options.metadataMaxAgeMs ?? 60_000;
  if (!Number.isFinite(lingerMs) || lingerMs < 0)
    throw new TypeError(`lingerMs must be ≥ 0, got ${lingerMs}.`);
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
        batchBytes,
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
