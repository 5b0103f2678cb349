/**
 * The Sluice client: admin, producer and consumer over the HTTP API, shaped like kafkajs.
 * See `docs/client.md`.
 *
 * @example
 * import { createProducer } from './shared/client';
 * const producer = createProducer({ url: 'http://127.0.0.1:8080' });
 * await producer.send({ topic: 'orders', messages: [{ key: 'k', value: 'v' }] });
 */
export {
  type Admin,
  createAdmin,
  type GroupOverview,
  type NewTopic,
  type PartitionInfo,
  type PartitionLag,
  type TopicDescription,
  type TopicInfo,
} from './admin';
export {
  type Batch,
  type Consumer,
  type ConsumerErrorContext,
  type ConsumerOptions,
  type ConsumerRunConfig,
  type ConsumerSubscribeTopics,
  createConsumer,
  type EachBatchPayload,
  type EachMessagePayload,
  type KafkaMessage,
} from './consumer';
export { ConnectionError, ServerError } from './errors';
export {
  createProducer,
  type Message,
  type MessageMetadata,
  type Producer,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
} from './producer';
export type { RetryOptions } from './retry';
export { createSigV4Signer, type RequestSigner, type SigV4SignerOptions } from './sign';
export type { ConnectionOptions } from './transport';
