/**
 * The idempotent producer's identity for one topic: a random producer id and, per partition,
 * the sequence of the next record. The server accepts a batch only at the next expected
 * sequence and answers a resent last batch with its original offsets, so a retry never
 * duplicates. One identity per topic keeps a reset on one topic from disturbing another's
 * batch in flight (the server keys its state by producer id, topic and partition anyway).
 */
import { randomUUID } from 'node:crypto';

/** Kafka's sequences are signed 32-bit; past this the producer starts a fresh identity. */
const MAX_SEQUENCE = 2 ** 31 - 1;

/** Sequence bookkeeping for one topic of one producer. */
export interface ProducerSequences {
  /** The current producer id (changes after {@link ProducerSequences.reset}). */
  readonly id: () => string;
  /**
   * Headers for a batch writing `counts.get(p)` records to each partition p:
   * `Sluice-Producer-Id` and `Sluice-Producer-Seq` as `"p:seq,p:seq"`.
   */
  headersFor(counts: ReadonlyMap<number, number>): Record<string, string>;
  /** Records that the batch built by the last `headersFor` was written to these partitions. */
  advance(counts: ReadonlyMap<number, number>): void;
  /**
   * Forgets every sequence under a new id: after a batch whose outcome is unknown, the
   * server's expected sequence is unknown too, and a new id makes the next batch valid.
   */
  reset(): void;
}

/**
 * Creates the bookkeeping; `newId` is injectable so tests can name producers.
 *
 * @example
 * const seq = createProducerSequences();
 * seq.headersFor(new Map([[0, 3]])); // { 'sluice-producer-id': 'sluice-…', 'sluice-producer-seq': '0:0' }
 * seq.advance(new Map([[0, 3]])); // the next batch on partition 0 starts at 3
 */
export function createProducerSequences(
  newId: () => string = () => `sluice-${randomUUID()}`,
): ProducerSequences {
  let id = newId();
  let next = new Map<number, number>();

  const sequences: ProducerSequences = {
    id: () => id,
    headersFor(counts) {
      if ([...counts].some(([p, n]) => (next.get(p) ?? 0) + n > MAX_SEQUENCE)) sequences.reset();
      const pairs = [...counts.keys()].sort((a, b) => a - b).map((p) => `${p}:${next.get(p) ?? 0}`);
      return { 'sluice-producer-id': id, 'sluice-producer-seq': pairs.join(',') };
    },
    advance(counts) {
      for (const [p, n] of counts) next.set(p, (next.get(p) ?? 0) + n);
    },
    reset() {
      id = newId();
      next = new Map();
    },
  };
  return sequences;
}
