import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import {
  type Compression,
  decodeSection,
  decodeSegment,
  encodeSegment,
  type ProducedRecord,
  SEGMENT_CONTENT_TYPE,
  type SectionInput,
  type SectionLocation,
} from '../../shared/codec';
import { VarintReader, writeZigzag, zigzagSize } from '../../shared/codec/varint';
import { CorruptDataError } from '../../shared/errors';

const bytesArb = fc.oneof(
  fc.constant(null),
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
);

const timestampArb = fc.oneof(
  fc.constant(0),
  fc.constant(Date.now()),
  fc.constant(2 ** 47),
  fc.bigInt({ min: 0n, max: 2n ** 47n }).map(Number),
);

const recordArb: fc.Arbitrary<ProducedRecord> = fc.record({
  key: bytesArb,
  value: bytesArb,
  headers: fc.array(fc.record({ key: fc.string({ unit: 'binary', maxLength: 12 }), value: bytesArb }), {
    maxLength: 10,
  }),
  timestamp: timestampArb,
});

const sectionsArb: fc.Arbitrary<SectionInput[]> = fc.uniqueArray(
  fc.record({
    partition: fc.oneof(fc.nat({ max: 8 }), fc.nat()),
    records: fc.array(recordArb, { minLength: 1, maxLength: 50 }),
  }),
  { minLength: 1, maxLength: 5, selector: (section) => section.partition },
);

const compressionArb = fc.constantFrom<Compression>('none', 'gzip');

function record(value: string, timestamp = 1_700_000_000_000): ProducedRecord {
  return { key: null, value: Buffer.from(value), headers: [], timestamp };
}

function sliceOf(bytes: Buffer, location: SectionLocation): Buffer {
  return bytes.subarray(location.byteStart, location.byteStart + location.byteLength);
}

/** Re-seals a section header after a deliberate edit, so a test reaches the check behind the CRC. */
function resealSectionHeader(section: Buffer): Buffer {
  section.writeUInt32BE(crc32(section.subarray(0, 38)), 38);
  return section;
}

function expectCorrupt(decode: () => unknown): void {
  expect(decode).toThrow(CorruptDataError);
}

describe('segment codec round trip', () => {
  it('returns every section’s records with base offsets and partitions applied, with or without gzip', () => {
    fc.assert(
      fc.property(sectionsArb, compressionArb, fc.nat({ max: 2 ** 40 }), (sections, compression, base) => {
        const { bytes, sections: locations } = encodeSegment(sections, { compression });
        expect(locations.map((l) => l.partition)).toEqual(sections.map((s) => s.partition));
        sections.forEach((section, i) => {
          const decoded = decodeSection(sliceOf(bytes, locations[i]), base);
          expect(decoded).toEqual(
            section.records.map((r, delta) => ({ ...r, partition: section.partition, offset: base + delta })),
          );
        });
      }),
    );
  });

  it('decodes a whole object into its sections with offsets starting at zero', () => {
    fc.assert(
      fc.property(sectionsArb, compressionArb, (sections, compression) => {
        const decoded = decodeSegment(encodeSegment(sections, { compression }).bytes);
        expect(decoded).toEqual(
          sections.map((s) => ({
            partition: s.partition,
            records: s.records.map((r, offset) => ({ ...r, partition: s.partition, offset })),
          })),
        );
      }),
    );
  });

  it('reports record counts and first and max timestamps for the index', () => {
    fc.assert(
      fc.property(sectionsArb, compressionArb, (sections, compression) => {
        const { sections: locations } = encodeSegment(sections, { compression });
        sections.forEach((section, i) => {
          const timestamps = section.records.map((r) => r.timestamp);
          expect(locations[i].recordCount).toBe(section.records.length);
          expect(locations[i].firstTimestamp).toBe(timestamps[0]);
          expect(locations[i].maxTimestamp).toBe(Math.max(...timestamps));
        });
      }),
    );
  });
});

describe('segment corruption detection', () => {
  it('rejects a section slice with any single byte flipped', () => {
    fc.assert(
      fc.property(
        sectionsArb,
        compressionArb,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (sections, compression, which, position, xor) => {
          const { bytes, sections: locations } = encodeSegment(sections, { compression });
          const slice = Buffer.from(sliceOf(bytes, locations[which % locations.length]));
          slice[position % slice.length] ^= xor;
          expectCorrupt(() => decodeSection(slice, 0));
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each<Compression>(['none', 'gzip'])(
    'rejects every single-byte flip of a small %s section, header bytes included',
    (compression) => {
      const records: ProducedRecord[] = [
        {
          key: Buffer.from('k'),
          value: Buffer.from('v'),
          headers: [{ key: 'h', value: null }],
          timestamp: 9,
        },
        record('second', 3),
      ];
      const { bytes, sections } = encodeSegment([{ partition: 5, records }], { compression });
      const original = sliceOf(bytes, sections[0]);
      for (let position = 0; position < original.length; position++) {
        for (const xor of [0x01, 0x80, 0xff]) {
          const slice = Buffer.from(original);
          slice[position] ^= xor;
          expectCorrupt(() => decodeSection(slice, 0));
        }
        expectCorrupt(() => decodeSection(original.subarray(0, position), 0));
      }
    },
  );

  it('rejects a section slice cut short at any length', () => {
    fc.assert(
      fc.property(sectionsArb, compressionArb, fc.nat(), fc.nat(), (sections, compression, which, cut) => {
        const { bytes, sections: locations } = encodeSegment(sections, { compression });
        const slice = sliceOf(bytes, locations[which % locations.length]);
        expectCorrupt(() => decodeSection(slice.subarray(0, cut % slice.length), 0));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a whole object with any single byte flipped or any truncation', () => {
    fc.assert(
      fc.property(
        sectionsArb,
        compressionArb,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (sections, compression, position, xor) => {
          const { bytes } = encodeSegment(sections, { compression });
          const flipped = Buffer.from(bytes);
          flipped[position % bytes.length] ^= xor;
          expectCorrupt(() => decodeSegment(flipped));
          expectCorrupt(() => decodeSegment(bytes.subarray(0, position % bytes.length)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects trailing garbage after a section or an object', () => {
    const { bytes, sections } = encodeSegment([{ partition: 0, records: [record('a')] }]);
    expectCorrupt(() => decodeSection(Buffer.concat([sliceOf(bytes, sections[0]), Buffer.from([0])]), 0));
    expectCorrupt(() => decodeSegment(Buffer.concat([bytes, Buffer.from([0])])));
  });

  it('rejects a slice taken from the wrong place in the object', () => {
    const { bytes, sections } = encodeSegment([
      { partition: 0, records: [record('a')] },
      { partition: 1, records: [record('b')] },
    ]);
    expectCorrupt(() => decodeSection(bytes.subarray(0, sections[0].byteLength), 0));
    expectCorrupt(() => decodeSection(bytes.subarray(sections[0].byteStart, sections[1].byteStart + 1), 0));
  });

  it('rejects an unknown format version even when its checksum is valid', () => {
    const { bytes, sections } = encodeSegment([{ partition: 0, records: [record('a')] }]);
    const section = Buffer.from(sliceOf(bytes, sections[0]));
    section[4] = 2;
    expect(() => decodeSection(resealSectionHeader(section), 0)).toThrow(/unknown section format version 2/);
  });

  it('rejects a header whose record count disagrees with the payload', () => {
    const { bytes, sections } = encodeSegment([{ partition: 0, records: [record('a'), record('b')] }]);
    for (const count of [1, 3]) {
      const section = Buffer.from(sliceOf(bytes, sections[0]));
      section.writeInt32BE(count, 10);
      expectCorrupt(() => decodeSection(resealSectionHeader(section), 0));
    }
  });

  it('rejects a payload that claims gzip but does not decompress', () => {
    const { bytes, sections } = encodeSegment([{ partition: 0, records: [record('plain')] }]);
    const section = Buffer.from(sliceOf(bytes, sections[0]));
    section[5] = 1;
    expect(() => decodeSection(resealSectionHeader(section), 0)).toThrow(/gzip/);
  });

  it('names the partition in the error when the header is trustworthy', () => {
    const { bytes, sections } = encodeSegment([{ partition: 7, records: [record('a')] }]);
    const section = Buffer.from(sliceOf(bytes, sections[0]));
    section[section.length - 1] ^= 1;
    expect(() => decodeSection(section, 0)).toThrow(expect.objectContaining({ partition: 7 }));
  });
});

describe('segment layout', () => {
  it('starts objects with "SLCE" and sections with "SLCS", packed back to back', () => {
    const { bytes, sections } = encodeSegment([
      { partition: 4, records: [record('a')] },
      { partition: 2, records: [record('b'), record('c')] },
    ]);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('SLCE');
    expect(bytes[4]).toBe(1);
    expect(bytes.readUInt32BE(5)).toBe(2);
    expect(sections[0].byteStart).toBe(9 + 2 * 12 + 4);
    expect(sections[1].byteStart).toBe(sections[0].byteStart + sections[0].byteLength);
    expect(sections[1].byteStart + sections[1].byteLength).toBe(bytes.length);
    for (const location of sections) {
      expect(sliceOf(bytes, location).subarray(0, 4).toString('latin1')).toBe('SLCS');
    }
  });

  it('keeps null and empty keys, values and header values apart', () => {
    const records: ProducedRecord[] = [
      { key: null, value: Buffer.alloc(0), headers: [{ key: '', value: null }], timestamp: 0 },
      { key: Buffer.alloc(0), value: null, headers: [{ key: 'é🎉', value: Buffer.alloc(0) }], timestamp: 0 },
    ];
    const { bytes, sections } = encodeSegment([{ partition: 0, records }]);
    const decoded = decodeSection(sliceOf(bytes, sections[0]), 0);
    expect(decoded[0].key).toBeNull();
    expect(decoded[0].value).toEqual(Buffer.alloc(0));
    expect(decoded[0].headers).toEqual([{ key: '', value: null }]);
    expect(decoded[1].key).toEqual(Buffer.alloc(0));
    expect(decoded[1].value).toBeNull();
    expect(decoded[1].headers).toEqual([{ key: 'é🎉', value: Buffer.alloc(0) }]);
  });

  it('hands out uncompressed values as views of the fetched bytes instead of copies', () => {
    const { bytes, sections } = encodeSegment([{ partition: 0, records: [record('zero-copy')] }]);
    const slice = sliceOf(bytes, sections[0]);
    const [decoded] = decodeSection(slice, 0);
    expect(decoded.value?.buffer).toBe(slice.buffer);
    expect(decoded.value?.toString()).toBe('zero-copy');
  });

  it('keeps timestamps that go backwards within a section', () => {
    const records = [record('a', 1_000), record('b', 5), record('c', 2 ** 47), record('d', 0)];
    const { bytes, sections } = encodeSegment([{ partition: 0, records }]);
    expect(sections[0]).toMatchObject({ firstTimestamp: 1_000, maxTimestamp: 2 ** 47 });
    expect(decodeSection(sliceOf(bytes, sections[0]), 0).map((r) => r.timestamp)).toEqual([
      1_000,
      5,
      2 ** 47,
      0,
    ]);
  });

  it('shrinks repetitive payloads when gzip is on', () => {
    const records = Array.from({ length: 200 }, () => record('the same value, over and over'));
    const plain = encodeSegment([{ partition: 0, records }]);
    const gzipped = encodeSegment([{ partition: 0, records }], { compression: 'gzip' });
    expect(gzipped.bytes.length).toBeLessThan(plain.bytes.length / 5);
    expect(gzipped.bytes[gzipped.sections[0].byteStart + 5]).toBe(1);
  });

  it('advertises a versioned content type', () => {
    expect(SEGMENT_CONTENT_TYPE).toBe('application/vnd.sluice.segment.v1');
  });
});

describe('segment encoding misuse', () => {
  it('refuses an empty section list, an empty section and a repeated partition as programmer errors', () => {
    const misuse: SectionInput[][] = [
      [],
      [{ partition: 0, records: [] }],
      [
        { partition: 1, records: [record('a')] },
        { partition: 1, records: [record('b')] },
      ],
    ];
    for (const sections of misuse) {
      expect(() => encodeSegment(sections)).toThrow(Error);
      expect(() => encodeSegment(sections)).not.toThrow(CorruptDataError);
    }
  });

  it('refuses timestamps and partitions it could not store faithfully', () => {
    for (const timestamp of [-1, 1.5, 2 ** 52, Number.NaN]) {
      expect(() => encodeSegment([{ partition: 0, records: [record('a', timestamp)] }])).toThrow(/timestamp/);
    }
    expect(() => encodeSegment([{ partition: -1, records: [record('a')] }])).toThrow(/Partition/);
  });

  it('refuses a negative or fractional base offset when decoding', () => {
    const { bytes, sections } = encodeSegment([{ partition: 0, records: [record('a')] }]);
    expect(() => decodeSection(sliceOf(bytes, sections[0]), -1)).toThrow(RangeError);
    expect(() => decodeSection(sliceOf(bytes, sections[0]), 0.5)).toThrow(RangeError);
  });
});

describe('zigzag varints', () => {
  it('round-trip every integer up to 2^52 in magnitude and use exactly the predicted size', () => {
    const valueArb = fc.oneof(
      fc.integer(),
      fc.bigInt({ min: -(2n ** 52n) + 1n, max: 2n ** 52n - 1n }).map(Number),
      fc.constantFrom(0, -1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 52 - 1, -(2 ** 52) + 1),
    );
    fc.assert(
      fc.property(valueArb, (value) => {
        const buf = Buffer.alloc(10);
        const end = writeZigzag(buf, 1, value);
        expect(end - 1).toBe(zigzagSize(value));
        const reader = new VarintReader(buf, 1, end);
        expect(reader.readZigzag()).toBe(value);
        expect(reader.pos).toBe(end);
      }),
    );
  });

  it('match Kafka’s encoding of small values', () => {
    const buf = Buffer.alloc(4);
    expect(buf.subarray(0, writeZigzag(buf, 0, -1))).toEqual(Buffer.from([0x01]));
    expect(buf.subarray(0, writeZigzag(buf, 0, 1))).toEqual(Buffer.from([0x02]));
    expect(buf.subarray(0, writeZigzag(buf, 0, 64))).toEqual(Buffer.from([0x80, 0x01]));
    expect(buf.subarray(0, writeZigzag(buf, 0, -65))).toEqual(Buffer.from([0x81, 0x01]));
  });

  it('refuse to read past the window or beyond eight bytes', () => {
    expectCorrupt(() => new VarintReader(Buffer.from([0x80, 0x80]), 0, 2).readZigzag());
    expectCorrupt(() => new VarintReader(Buffer.from([0x01]), 0, 0).readZigzag());
    expectCorrupt(() => new VarintReader(Buffer.alloc(9, 0x80), 0, 9).readZigzag());
  });

  it('refuse to write values whose zigzag form is not a safe integer', () => {
    expect(() => zigzagSize(2 ** 52)).toThrow(RangeError);
    expect(() => writeZigzag(Buffer.alloc(10), 0, 0.5)).toThrow(RangeError);
  });
});
