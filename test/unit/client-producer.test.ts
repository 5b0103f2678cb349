import { createAccumulator } from '../../shared/client/producer/accumulator';
import { dispatchBatch, type PendingMessage } from '../../shared/client/producer/dispatch';
import { encodeMessage } from '../../shared/client/producer/encode';
import { createProducerSequences } from '../../shared/client/producer/sequences';
import type { MessageMetadata } from '../../shared/client/producer/types';
import type { Transport, TransportRequest } from '../../shared/client/transport';
import { OutOfOrderSequenceError, RecordTooLargeError, UnavailableError } from '../../shared/errors';
import { createDefaultPartitioner } from '../../shared/partitioner';

describe('encodeMessage', () => {
  it('sends strings as STRING and Buffers as BINARY, headers in base64, timestamps as ISO', () => {
    const encoded = encodeMessage(
      {
        key: 'k',
        value: Buffer.from([1, 2]),
        headers: { h: 'hi', many: ['a', Buffer.from('b')] },
        timestamp: '0',
      },
      0,
    );
    expect(encoded.fields).toEqual({
      key: { type: 'STRING', data: 'k' },
      value: { type: 'BINARY', data: 'AQI=' },
      headers: [
        { name: 'h', value: 'aGk=' },
        { name: 'many', value: 'YQ==' },
        { name: 'many', value: 'Yg==' },
      ],
      timestamp: '1970-01-01T00:00:00.000Z',
    });
    expect(encoded.key).toEqual(Buffer.from('k'));
  });

  it('leaves out a null key and a tombstone value', () => {
    expect(encodeMessage({ value: null }, 0).fields).toEqual({});
  });

  it('names the message that is malformed', () => {
    expect(() => encodeMessage({ value: 'x', timestamp: 'yesterday' }, 3)).toThrow(
      /messages\[3\]\.timestamp/,
    );
    expect(() => encodeMessage({ value: 'x', partition: -1 }, 1)).toThrow(/messages\[1\]\.partition/);
  });
});

describe('createProducerSequences', () => {
  it('numbers batches per partition and starts afresh under a new id after a reset', () => {
    let n = 0;
    const sequences = createProducerSequences(() => `p${n++}`);
    expect(
      sequences.headersFor(
        new Map([
          [2, 3],
          [0, 1],
        ]),
      ),
    ).toEqual({
      'sluice-producer-id': 'p0',
      'sluice-producer-seq': '0:0,2:0',
    });
    sequences.advance(
      new Map([
        [2, 3],
        [0, 1],
      ]),
    );
    expect(sequences.headersFor(new Map([[2, 1]]))['sluice-producer-seq']).toBe('2:3');
    sequences.reset();
    expect(sequences.headersFor(new Map([[2, 1]]))).toEqual({
      'sluice-producer-id': 'p1',
      'sluice-producer-seq': '2:0',
    });
  });
});

describe('createAccumulator', () => {
  it('gathers items added within the linger into one batch', async () => {
    const batches: number[][] = [];
    const queue = createAccumulator<{ size: number; n: number }>({
      lingerMs: 10,
      batchBytes: 1000,
      dispatch: async (items) => {
        batches.push(items.map((i) => i.n));
      },
    });
    for (let n = 0; n < 5; n++) queue.add({ size: 10, n });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(batches).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('splits at batchBytes and keeps one batch in flight at a time', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const queue = createAccumulator<{ size: number; n: number }>({
      lingerMs: 1000,
      batchBytes: 25,
      dispatch: async (items) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        batches.push(items.map((i) => i.n));
        inFlight--;
      },
    });
    for (let n = 0; n < 5; n++) queue.add({ size: 10, n });
    await queue.flush();
    expect(batches).toEqual([[0, 1], [2, 3], [4]]);
    expect(maxInFlight).toBe(1);
  });

  it('sends an item larger than batchBytes on its own', async () => {
    const batches: number[][] = [];
    const queue = createAccumulator<{ size: number; n: number }>({
      lingerMs: 0,
      batchBytes: 5,
      dispatch: async (items) => {
        batches.push(items.map((i) => i.n));
      },
    });
    queue.add({ size: 50, n: 1 });
    await queue.flush();
    expect(batches).toEqual([[1]]);
  });
});

/** A transport answering records:batch from a script, recording every request. */
function scriptedTransport(answers: ((body: { entries: { id: string }[] }) => unknown)[]) {
  const requests: TransportRequest[] = [];
  const transport: Transport = {
    url: 'http://test',
    retry: { retries: 3, initialRetryTime: 1 },
    clusterPath: async () => '/v3/clusters/local',
    request: async () => {
      throw new Error('unexpected');
    },
    send: async <T>(request: TransportRequest) => {
      requests.push(request);
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      const result = answer(JSON.parse(request.bodyText as string));
      if (result instanceof Error) throw result;
      return { status: 207, body: result as T };
    },
  };
  return { transport, requests };
}

function pending(values: string[]) {
  const outcomes: (MessageMetadata | Error)[] = [];
  const items: PendingMessage[] = values.map((value, i) => ({
    ...encodeMessage({ key: value, value }, i),
    settle: (outcome) => {
      outcomes[i] = outcome;
    },
  }));
  return { items, outcomes };
}

const ok = (id: string, partition: number, offset: number) => ({
  id,
  partition_id: partition,
  offset,
  timestamp: '2026-01-01T00:00:00.000Z',
});

describe('dispatchBatch', () => {
  it('idempotent: places records like the server and resends the identical request after a retriable failure', async () => {
    const { items, outcomes } = pending(['a', 'b', 'c']);
    const partitioner = createDefaultPartitioner();
    const expected = ['a', 'b', 'c'].map((k) =>
      partitioner({ topic: 't', partitionCount: 4, key: Buffer.from(k) }),
    );
    const { transport, requests } = scriptedTransport([
      () => new UnavailableError('lost'),
      (body) => ({ successes: body.entries.map((e, i) => ok(e.id, expected[i], 10 + i)), failures: [] }),
    ]);
    const sequences = createProducerSequences(() => 'p');

    await dispatchBatch({ transport, topic: 't', sequences, partitionCount: async () => 4 }, items);

    expect(requests).toHaveLength(2);
    expect(requests[1].bodyText).toBe(requests[0].bodyText);
    expect(requests[1].headers).toEqual(requests[0].headers);
    const sent = JSON.parse(requests[0].bodyText as string).entries.map(
      (e: { partition_id: number }) => e.partition_id,
    );
    expect(sent).toEqual(expected);
    expect(outcomes.map((o) => (o as MessageMetadata).offset)).toEqual(['10', '11', '12']);
  });

  it('not idempotent: resends only the entries that failed retriably', async () => {
    const { items, outcomes } = pending(['a', 'b']);
    const { transport, requests } = scriptedTransport([
      () => ({ successes: [ok('0', 0, 5)], failures: [{ id: '1', error_code: 50003, message: 'busy' }] }),
      () => ({ successes: [ok('1', 1, 7)], failures: [] }),
    ]);

    await dispatchBatch({ transport, topic: 't', partitionCount: async () => 2 }, items);

    expect(JSON.parse(requests[1].bodyText as string).entries.map((e: { id: string }) => e.id)).toEqual([
      '1',
    ]);
    expect(outcomes).toEqual([
      expect.objectContaining({ partition: 0, offset: '5' }),
      expect.objectContaining({ partition: 1, offset: '7' }),
    ]);
  });

  it('rejects every message of a refused batch and keeps the sequences', async () => {
    const { items, outcomes } = pending(['a']);
    const { transport } = scriptedTransport([() => new RecordTooLargeError('too big')]);
    const sequences = createProducerSequences(() => 'p');
    const rejected: unknown[] = [];

    await dispatchBatch(
      {
        transport,
        topic: 't',
        sequences,
        partitionCount: async () => 1,
        onRejected: (e) => rejected.push(e),
      },
      items,
    );

    expect(outcomes[0]).toBeInstanceOf(RecordTooLargeError);
    expect(rejected).toHaveLength(1);
    expect(sequences.headersFor(new Map([[0, 1]]))).toEqual({
      'sluice-producer-id': 'p',
      'sluice-producer-seq': '0:0',
    });
  });

  it('starts a fresh producer id after an out-of-order answer', async () => {
    const { items, outcomes } = pending(['a']);
    const { transport } = scriptedTransport([() => new OutOfOrderSequenceError('out of order')]);
    let n = 0;
    const sequences = createProducerSequences(() => `p${n++}`);

    await dispatchBatch({ transport, topic: 't', sequences, partitionCount: async () => 1 }, items);

    expect(outcomes[0]).toBeInstanceOf(OutOfOrderSequenceError);
    expect(sequences.id()).toBe('p1');
  });
});
