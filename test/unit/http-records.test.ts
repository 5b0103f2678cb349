import fc from 'fast-check';
import { isPlainV3Record, parseV3Record, v3RecordSchema } from '../../shared/http/records';
import { batchSchema, isPlainBatch } from '../../shared/http/routes/produce';

/** Values near and inside each field's rules, and JSON of any shape. */
const anyJson = fc.jsonValue({ maxDepth: 2 });
const integerish = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY, Number.NaN, -0),
);
const nullish = fc.constantFrom(null, undefined);
const data = fc.oneof(
  nullish,
  fc.record(
    {
      type: fc.oneof(fc.constantFrom('BINARY', 'STRING', 'JSON', 'binary', '', null), integerish),
      data: fc.oneof(fc.base64String({ maxLength: 12 }), anyJson),
      schema_id: anyJson,
      subject: fc.string(),
    },
    { requiredKeys: [] },
  ),
  anyJson,
);
const header = fc.oneof(
  fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 4 }), integerish, nullish),
      value: fc.oneof(fc.base64String({ maxLength: 8 }), fc.string({ maxLength: 4 }), integerish, nullish),
    },
    { requiredKeys: [] },
  ),
  anyJson,
);
const record = fc.oneof(
  fc.record(
    {
      partition_id: fc.oneof(integerish, nullish, fc.string({ maxLength: 3 })),
      headers: fc.oneof(nullish, fc.array(header, { maxLength: 3 }), anyJson),
      key: data,
      value: data,
      timestamp: fc.oneof(
        nullish,
        fc.constant('2026-01-02T03:04:05Z'),
        fc.string({ maxLength: 4 }),
        integerish,
      ),
      id: fc.oneof(fc.string({ maxLength: 3 }), integerish),
      extra: anyJson,
    },
    { requiredKeys: [] },
  ),
  anyJson,
);

/** The record as the schema returns it, or the schema's refusal. */
function throughSchema(raw: unknown) {
  const result = v3RecordSchema.safeParse(raw);
  return result.success ? result.data : undefined;
}

/** What the reader makes of a record, errors included, in a comparable form. */
function read(raw: unknown) {
  try {
    return parseV3Record(raw, 0, 1_000);
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('the hand check of v3 records', () => {
  it('recognises only records the schema accepts, and they read the same as the schema made them', () => {
    let plain = 0;
    fc.assert(
      fc.property(record, (raw) => {
        if (!isPlainV3Record(raw)) return;
        plain++;
        const parsed = throughSchema(raw);
        expect(parsed).toBeDefined();
        expect(read(raw)).toEqual(read(parsed));
      }),
      { numRuns: 5_000 },
    );
    expect(plain).toBeGreaterThan(100);
  });

  it('recognises the records producers send', () => {
    for (const raw of [
      { value: { type: 'BINARY', data: 'aGk=' } },
      { partition_id: 3, key: { type: 'STRING', data: 'k' }, value: { data: { a: 1 } } },
      { key: null, value: null, headers: [{ name: 'h', value: null }, { name: 'i' }], timestamp: null },
      { id: 'a', partition_id: null, headers: null, timestamp: '2026-01-02T03:04:05Z' },
    ]) {
      expect(isPlainV3Record(raw)).toBe(true);
    }
  });

  it('leaves the rest to the schema, which names the field', () => {
    expect(isPlainV3Record({ partition_id: 1.5 })).toBe(false);
    expect(read({ partition_id: 1.5 })).toEqual({
      error: expect.stringMatching(/^Record 0: field "partition_id" is invalid/),
    });
    expect(read({ value: { type: 'AVRO', data: 1 } })).toEqual({
      error: expect.stringMatching(/^Record 0: field "value.type" is invalid/),
    });
  });
});

describe('the hand check of records:batch bodies', () => {
  const body = fc.oneof(
    fc.record(
      {
        entries: fc.oneof(fc.array(record, { maxLength: 4 }), anyJson),
        other: anyJson,
      },
      { requiredKeys: [] },
    ),
    anyJson,
  );

  it('recognises only bodies the schema accepts', () => {
    let plain = 0;
    fc.assert(
      fc.property(body, (raw) => {
        if (!isPlainBatch(raw)) return;
        plain++;
        expect(batchSchema.safeParse(raw).success).toBe(true);
      }),
      { numRuns: 5_000 },
    );
    expect(plain).toBeGreaterThan(100);
  });

  it('leaves an empty batch, a missing id and an infinite id to the schema', () => {
    for (const raw of [{ entries: [] }, { entries: [{}] }, { entries: [{ id: Number.POSITIVE_INFINITY }] }]) {
      expect(isPlainBatch(raw)).toBe(false);
      expect(batchSchema.safeParse(raw).success).toBe(false);
    }
  });
});
