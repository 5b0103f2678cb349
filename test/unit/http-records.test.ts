import fc from 'fast-check';
import {
  isPlainV3Record,
  parseV3Record,
  type V3RecordShape,
  v3BatchEntrySchema,
  v3RecordSchema,
} from '../../shared/http/records';
import { batchSchema, checkEntryIds, isPlainBatch } from '../../shared/http/routes/produce';

/** Values near and inside each field's rules, and JSON of any shape. */
const anyJson = fc.jsonValue({ maxDepth: 2 });
const integerish = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY, Number.NaN, -0),
);
const nullish = fc.constantFrom(null, undefined);

/** Sometimes one more field than the shape has: a typo, or a field of another shape. */
function withStrayField<T extends object>(
  shape: fc.Arbitrary<T>,
  strays: Record<string, fc.Arbitrary<unknown>>,
  cleanWeight = 4,
): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: shape, weight: cleanWeight },
    {
      arbitrary: fc.tuple(shape, fc.record(strays, { requiredKeys: [] })).map(([a, b]) => ({ ...a, ...b })),
      weight: 1,
    },
  );
}

const data = fc.oneof(
  nullish,
  withStrayField(
    fc.record(
      {
        type: fc.oneof(fc.constantFrom('BINARY', 'STRING', 'JSON', 'binary', '', null), integerish),
        data: fc.oneof(fc.base64String({ maxLength: 12 }), anyJson),
        schema_id: anyJson,
        subject: fc.string(),
      },
      { requiredKeys: [] },
    ),
    { schema_version: anyJson, dta: anyJson },
  ),
  anyJson,
);
const header = fc.oneof(
  withStrayField(
    fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 4 }), integerish, nullish),
        value: fc.oneof(fc.base64String({ maxLength: 8 }), fc.string({ maxLength: 4 }), integerish, nullish),
      },
      { requiredKeys: [] },
    ),
    { key: fc.string({ maxLength: 2 }) },
  ),
  anyJson,
);
const record = fc.oneof(
  withStrayField(
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
      },
      { requiredKeys: [] },
    ),
    { extra: anyJson, records: fc.array(anyJson, { maxLength: 2 }), partition: integerish },
  ),
  anyJson,
);

/** The record as the schema returns it, or the schema's refusal. */
function throughSchema(raw: unknown, shape: V3RecordShape) {
  const result = (shape === 'record' ? v3RecordSchema : v3BatchEntrySchema).safeParse(raw);
  return result.success ? result.data : undefined;
}

/** What the reader makes of a record, errors included, in a comparable form. */
function read(raw: unknown, shape: V3RecordShape = 'record') {
  try {
    return parseV3Record(raw, 0, 1_000, shape);
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('the hand check of v3 records', () => {
  it.each<V3RecordShape>(['record', 'batch-entry'])(
    'recognises only records the schema accepts, and they read the same as the schema made them (%s)',
    (shape) => {
      let plain = 0;
      fc.assert(
        fc.property(record, (raw) => {
          const accepted = throughSchema(raw, shape) !== undefined;
          if (!isPlainV3Record(raw, shape)) {
            // What the hand check leaves to the schema is refused, or read as the schema made it.
            if (accepted) expect(read(raw, shape)).toEqual(read(throughSchema(raw, shape), shape));
            return;
          }
          plain++;
          expect(accepted).toBe(true);
          expect(read(raw, shape)).toEqual(read(throughSchema(raw, shape), shape));
        }),
        { numRuns: 10_000 },
      );
      expect(plain).toBeGreaterThan(100);
    },
  );

  it('recognises the records producers send', () => {
    for (const raw of [
      { value: { type: 'BINARY', data: 'aGk=' } },
      { partition_id: 3, key: { type: 'STRING', data: 'k' }, value: { data: { a: 1 } } },
      { key: null, value: null, headers: [{ name: 'h', value: null }, { name: 'i' }], timestamp: null },
      { partition_id: null, headers: null, timestamp: '2026-01-02T03:04:05Z' },
    ]) {
      expect(isPlainV3Record(raw)).toBe(true);
    }
    expect(isPlainV3Record({ id: 'a', value: { data: 1 } }, 'batch-entry')).toBe(true);
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

describe("fields outside Confluent's ProduceRequest", () => {
  it('refuses a v2-shaped body and points at the v2 endpoint', () => {
    const raw = { records: [{ key: 'a', value: { x: 1 } }] };
    expect(isPlainV3Record(raw)).toBe(false);
    expect(read(raw)).toEqual({
      error: expect.stringContaining('`records` is the v2 shape: POST /topics/{topic}'),
    });
  });

  it('refuses a batch body sent as a single record, and an id outside a batch', () => {
    for (const raw of [{ entries: [{ id: 1, value: { data: 1 } }] }, { id: 'a', value: { data: 1 } }]) {
      expect(read(raw)).toEqual({ error: expect.stringContaining('records:batch') });
    }
  });

  it('suggests the field meant for a near miss', () => {
    expect(read({ partition: 1, value: { data: 1 } })).toEqual({
      error: expect.stringContaining(
        '"partition", which a v3 record does not have (did you mean "partition_id"?)',
      ),
    });
    expect(read({ value: { data: 1 }, timestmap: '2026-01-02T03:04:05Z' })).toEqual({
      error: expect.stringContaining('did you mean "timestamp"?'),
    });
  });

  it('refuses unknown fields inside a key, a value and a header', () => {
    expect(read({ value: { type: 'JSON', dta: 1 } })).toEqual({
      error: expect.stringMatching(/^Record 0: field "value" is invalid \(Unrecognized key: "dta"\)/),
    });
    expect(read({ headers: [{ name: 'h', vlaue: 'aGk=' }] })).toEqual({
      error: expect.stringMatching(/^Record 0: field "headers.0" is invalid/),
    });
  });

  it('names the schema-registry fields as such', () => {
    expect(read({ value: { schema_version: 1, data: 1 } })).toEqual({
      error: expect.stringContaining('names a schema (schema_version), but Sluice has no schema registry'),
    });
  });
});

describe('the hand check of records:batch bodies', () => {
  const body = fc.oneof(
    withStrayField(
      fc.record({ entries: fc.oneof(fc.array(record, { maxLength: 4 }), anyJson) }, { requiredKeys: [] }),
      { other: anyJson, records: fc.array(record, { maxLength: 2 }) },
      // A plain body needs every entry to be an object, which is rare enough.
      9,
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
      { numRuns: 10_000 },
    );
    expect(plain).toBeGreaterThan(100);
  });

  it('leaves an empty batch and entries that are not objects to the schema', () => {
    for (const raw of [{ entries: [] }, { entries: [1] }, { entries: [null] }, { entries: [[]] }]) {
      expect(isPlainBatch(raw)).toBe(false);
      expect(batchSchema.safeParse(raw).success).toBe(false);
    }
  });

  it("takes as entry ids only Confluent's: strings of 1 to 80 letters, digits, - or _", () => {
    expect(checkEntryIds([{ id: 'a' }, { id: 'B-9_z' }, { id: 'x'.repeat(80) }])).toEqual([
      'a',
      'B-9_z',
      'x'.repeat(80),
    ]);
    for (const id of [undefined, 1, Number.POSITIVE_INFINITY, '', 'x'.repeat(81), 'a b', 'ä', null]) {
      expect(() => checkEntryIds([{ id }])).toThrow(expect.objectContaining({ errorCode: 42202 }));
    }
    expect(() => checkEntryIds([{ id: 'a' }, { id: 'a' }])).toThrow(
      expect.objectContaining({ errorCode: 42208 }),
    );
  });
});
