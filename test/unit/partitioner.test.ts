import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { createDefaultPartitioner, murmur2, toPositive } from '../../shared/partitioner';

/** Kafka's `UtilsTest.testMurmur2` vectors: the Java client is the reference, not kafkajs. */
const KAFKA_VECTORS: ReadonlyArray<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

/** kafkajs wants broker metadata; every partition gets a live leader so none is filtered out. */
function kafkajsPlacement(key: Buffer, partitionCount: number): number {
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata, message: { key, value: null } });
}

/** Java `int` semantics spelled out with BigInt: slow, but independent of Math.imul tricks. */
function javaMurmur2(data: Buffer): number {
  const int = (n: bigint) => BigInt.asIntN(32, n);
  const ushr = (n: bigint, bits: bigint) => BigInt.asUintN(32, n) >> bits;
  const m = 0x5bd1e995n;
  let h = int(0x9747b28cn ^ BigInt(data.length));
  const length4 = Math.floor(data.length / 4);
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = int(
      BigInt(data[i4]) +
        (BigInt(data[i4 + 1]) << 8n) +
        (BigInt(data[i4 + 2]) << 16n) +
        (BigInt(data[i4 + 3]) << 24n),
    );
    k = int(k * m);
    k = int(k ^ ushr(k, 24n));
    k = int(k * m);
    h = int(h * m);
    h = int(h ^ k);
  }
  const tail = length4 * 4;
  const rest = data.length % 4;
  if (rest >= 3) h = int(h ^ (BigInt(data[tail + 2]) << 16n));
  if (rest >= 2) h = int(h ^ (BigInt(data[tail + 1]) << 8n));
  if (rest >= 1) h = int(int(h ^ BigInt(data[tail])) * m);
  h = int(h ^ ushr(h, 13n));
  h = int(h * m);
  h = int(h ^ ushr(h, 15n));
  return Number(h);
}

const keyArb = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'binary', maxLength: 32 }).map((text) => Buffer.from(text, 'utf8')),
);

describe('murmur2', () => {
  it.each(KAFKA_VECTORS)('hashes %j to Kafka’s published value %d', (input, expected) => {
    expect(murmur2(Buffer.from(input, 'latin1'))).toBe(expected);
  });

  it('returns a signed 32-bit integer for any input', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        const hash = murmur2(key);
        expect(hash | 0).toBe(hash);
      }),
    );
  });

  it('agrees with a slow BigInt transcription of Java’s int arithmetic on every input', () => {
    fc.assert(
      fc.property(keyArb, (key) => expect(murmur2(key)).toBe(javaMurmur2(key))),
      { numRuns: 500 },
    );
  });

  it('hashes the empty key through the final mix alone', () => {
    expect(murmur2(Buffer.alloc(0))).toBe(javaMurmur2(Buffer.alloc(0)));
  });
});

describe('toPositive', () => {
  it('clears only the sign bit, as Kafka’s Utils.toPositive does', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
    expect(toPositive(-790332482)).toBe(1357151166);
  });
});

describe('createDefaultPartitioner', () => {
  it('places 2,000 random keys exactly where kafkajs’s Java-compatible partitioner does', () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 1, max: 64 }), (key, partitionCount) => {
        const ours = createDefaultPartitioner()({ topic: 't', partitionCount, key });
        expect(ours).toBe(kafkajsPlacement(key, partitionCount));
      }),
      { numRuns: 2000, seed: 20240611 },
    );
  });

  it('places a key the same way in every batch, whatever the random source says', () => {
    const key = Buffer.from('customer-42');
    const first = createDefaultPartitioner({ random: () => 0 })({ topic: 't', partitionCount: 12, key });
    const second = createDefaultPartitioner({ random: () => 0.99 })({ topic: 't', partitionCount: 12, key });
    expect(first).toBe(second);
    expect(first).toBe(toPositive(murmur2(key)) % 12);
  });

  it('hashes an empty key instead of treating it as keyless', () => {
    const partition = createDefaultPartitioner({ random: () => 0.99 });
    expect(partition({ topic: 't', partitionCount: 64, key: Buffer.alloc(0) })).toBe(
      toPositive(murmur2(Buffer.alloc(0))) % 64,
    );
  });

  it('sticks every keyless record of one batch to the partition the first one picked', () => {
    let calls = 0;
    const partition = createDefaultPartitioner({
      random: () => {
        calls++;
        return 0.55;
      },
    });
    const placements = Array.from({ length: 100 }, (_, i) =>
      partition({ topic: 't', partitionCount: 10, key: i % 3 === 0 ? Buffer.from(`k${i}`) : null }),
    );
    const keyless = placements.filter((_, i) => i % 3 !== 0);
    expect(new Set(keyless)).toEqual(new Set([5]));
    expect(calls).toBe(1);
  });

  it('keeps keyed records on their hash placement while keyless ones stick', () => {
    const partition = createDefaultPartitioner({ random: () => 0 });
    partition({ topic: 't', partitionCount: 16, key: null });
    for (const text of ['a', 'b', 'c', 'd']) {
      const key = Buffer.from(text);
      expect(partition({ topic: 't', partitionCount: 16, key })).toBe(toPositive(murmur2(key)) % 16);
    }
  });

  it('spreads keyless records of different batches across partitions', () => {
    const randoms = [0.05, 0.35, 0.65, 0.95];
    const picks = randoms.map((r) => {
      const partition = createDefaultPartitioner({ random: () => r });
      const first = partition({ topic: 't', partitionCount: 4, key: null });
      expect(partition({ topic: 't', partitionCount: 4, key: null })).toBe(first);
      return first;
    });
    expect(picks).toEqual([0, 1, 2, 3]);
  });

  it('spreads keyless batches roughly evenly with the default random source', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 4000; i++) {
      counts[createDefaultPartitioner()({ topic: 't', partitionCount: 8, key: null })]++;
    }
    for (const count of counts) expect(count).toBeGreaterThan(300);
  });

  it('sticks per topic, so two topics in one batch may land on different partitions', () => {
    const randoms = [0.1, 0.9];
    const partition = createDefaultPartitioner({ random: () => randoms.shift() ?? 0 });
    expect(partition({ topic: 'a', partitionCount: 10, key: null })).toBe(1);
    expect(partition({ topic: 'b', partitionCount: 10, key: null })).toBe(9);
    expect(partition({ topic: 'a', partitionCount: 10, key: null })).toBe(1);
  });

  it('never names a partition out of range, even if the random source returns 1', () => {
    const partition = createDefaultPartitioner({ random: () => 1 });
    expect(partition({ topic: 't', partitionCount: 3, key: null })).toBe(2);
  });

  it('re-picks when the partition count changes mid-batch', () => {
    const randoms = [0.99, 0.5];
    const partition = createDefaultPartitioner({ random: () => randoms.shift() ?? 0 });
    expect(partition({ topic: 't', partitionCount: 10, key: null })).toBe(9);
    expect(partition({ topic: 't', partitionCount: 2, key: null })).toBe(1);
  });

  it('rejects a partition count that is not a positive integer', () => {
    const partition = createDefaultPartitioner();
    expect(() => partition({ topic: 't', partitionCount: 0, key: null })).toThrow(RangeError);
    expect(() => partition({ topic: 't', partitionCount: 1.5, key: Buffer.from('k') })).toThrow(RangeError);
  });
});
