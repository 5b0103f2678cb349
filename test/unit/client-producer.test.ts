import {
  createProducer,
  DEFAULT_BATCH_BYTES,
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_LINGER_MS,
} from '../../shared/client/producer';
import { createAccumulator } from '../../shared/client/producer/accumulator';
import { dispatchBatch, type PendingMessage } from '../../shared/client/producer/dispatch';
import { encodeMessage } from '../../shared/client/producer/encode';
import { createProducerSequences } from '../../shared/client/producer/sequences';
import type { MessageMetadata } from '../../shared/client/producer/types';
import type { Transport, TransportRequest } from '../../shared/client/transport';
import { OutOfOrderSequenceError, RecordTooLargeError, UnavailableError } from '../../shared/errors';
import { MAX_REQUEST_BODY_BYTES } from '../../shared/log/limits';
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

describe('createAccumulator: the adaptive linger', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** A queue whose batches take `requestMs` in flight, recording each batch's size and when it left. */
  function recordingQueue(options: {
    lingerMs: number;
    maxLingerMs: number;
    batchBytes?: number;
    maxBatchItems?: number;
    requestMs?: number;
  }) {
    const batches: { n: number; at: number }[] = [];
    const queue = createAccumulator<{ size: number }>({
      lingerMs: options.lingerMs,
      maxLingerMs: options.maxLingerMs,
      batchBytes: options.batchBytes ?? 4_000_000,
      maxBatchItems: options.maxBatchItems,
      dispatch: async (items) => {
        batches.push({ n: items.length, at: Date.now() });
        await new Promise((resolve) => setTimeout(resolve, options.requestMs ?? 50));
      },
    });
    return { queue, batches };
  }

  it('sends a lone message after lingerMs, however long the linger may grow', async () => {
    const { queue, batches } = recordingQueue({ lingerMs: 5, maxLingerMs: 2000 });
    for (let i = 0; i < 5; i++) {
      const sentAt = Date.now();
      queue.add({ size: 1000 });
      await jest.advanceTimersByTimeAsync(5);
      expect(batches.at(-1)).toEqual({ n: 1, at: sentAt + 5 });
      await jest.advanceTimersByTimeAsync(1000); // a trickle: one message a second
    }
    expect(batches).toHaveLength(5);
    expect(queue.currentLingerMs()).toBe(5);
  });

  it('doubles the linger while messages keep coming, up to maxLingerMs, so a steady producer sends few large requests', async () => {
    const { queue, batches } = recordingQueue({ lingerMs: 5, maxLingerMs: 2000 });
    const lingers: number[] = [];
    // 1,000 messages a second for 20 s, one a millisecond; each request takes 50 ms.
    for (let ms = 0; ms < 20_000; ms++) {
      queue.add({ size: 1400 });
      await jest.advanceTimersByTimeAsync(1);
      if (lingers.at(-1) !== queue.currentLingerMs()) lingers.push(queue.currentLingerMs());
    }
    await jest.advanceTimersByTimeAsync(5000); // the last batch leaves
    expect(lingers).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1280, 2000]);
    expect(batches.reduce((sum, b) => sum + b.n, 0)).toBe(20_000);
    // Once grown, each request carries the 2 s of messages the linger gathered.
    const steady = batches.slice(11, -1);
    expect(steady.length).toBeGreaterThan(0);
    for (const batch of steady) expect(batch.n).toBe(2000);
    expect(batches.length).toBeLessThan(25); // against 400 with a fixed 5 ms linger and 50 ms requests
  });

  it('drops back to lingerMs for the first message after the traffic pauses', async () => {
    const { queue, batches } = recordingQueue({ lingerMs: 5, maxLingerMs: 2000 });
    for (let ms = 0; ms < 10_000; ms++) {
      queue.add({ size: 1400 });
      await jest.advanceTimersByTimeAsync(1);
    }
    expect(queue.currentLingerMs()).toBe(2000);
    await jest.advanceTimersByTimeAsync(5000); // the last batch leaves; then quiet
    const before = batches.length;
    const sentAt = Date.now();
    queue.add({ size: 1400 });
    await jest.advanceTimersByTimeAsync(5);
    expect(batches.slice(before)).toEqual([{ n: 1, at: sentAt + 5 }]);
    expect(queue.currentLingerMs()).toBe(5);
  });

  it('grows for messages that come in chunks (a pipe read in pieces) as for single ones', async () => {
    const { queue, batches } = recordingQueue({ lingerMs: 5, maxLingerMs: 2000 });
    for (let chunk = 0; chunk < 1000; chunk++) {
      for (let i = 0; i < 30; i++) queue.add({ size: 10 });
      await jest.advanceTimersByTimeAsync(10);
    }
    expect(queue.currentLingerMs()).toBe(2000);
    expect(batches.length).toBeLessThan(20); // against one request per chunk, 1,000
  });

  it('returns to lingerMs when the rate falls below one message per lingerMs plus a request', async () => {
    const { queue, batches } = recordingQueue({ lingerMs: 5, maxLingerMs: 2000 });
    for (let ms = 0; ms < 10_000; ms++) {
      queue.add({ size: 1400 });
      await jest.advanceTimersByTimeAsync(1);
    }
    expect(queue.currentLingerMs()).toBe(2000);
    // 10 messages a second: a base-linger batch (5 ms + 50 ms request) would carry one.
    const sentAt: number[] = [];
    for (let i = 0; i < 50; i++) {
      sentAt.push(Date.now());
      queue.add({ size: 1400 });
      await jest.advanceTimersByTimeAsync(100);
    }
    expect(queue.currentLingerMs()).toBe(5);
    // Within a few seconds each message again leaves alone, 5 ms after it was sent.
    expect(batches.slice(-10).map((b) => b.n)).toEqual(Array(10).fill(1));
    expect(batches.slice(-10).map((b) => b.at)).toEqual(sentAt.slice(-10).map((t) => t + 5));
  });

  it('does not grow the linger for one send of many messages at once', async () => {
    const { queue, batches } = recordingQueue({ lingerMs: 5, maxLingerMs: 2000 });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 500; i++) queue.add({ size: 100 });
      await jest.advanceTimersByTimeAsync(10_000);
    }
    expect(batches.map((b) => b.n)).toEqual([500, 500, 500]);
    expect(queue.currentLingerMs()).toBe(5);
  });

  it('keeps a fixed linger when maxLingerMs equals lingerMs', async () => {
    const { queue, batches } = recordingQueue({ lingerMs: 5, maxLingerMs: 5 });
    for (let ms = 0; ms < 1000; ms++) {
      queue.add({ size: 1400 });
      await jest.advanceTimersByTimeAsync(1);
    }
    await jest.advanceTimersByTimeAsync(1000);
    expect(queue.currentLingerMs()).toBe(5);
    expect(batches.length).toBeGreaterThanOrEqual(18); // one per request time (50 ms) and linger
  });

  it('sends a batch once it holds batchBytes or maxBatchItems, without waiting out the linger', async () => {
    const bySize = recordingQueue({ lingerMs: 5, maxLingerMs: 2000, batchBytes: 10_000 });
    const byCount = recordingQueue({ lingerMs: 5, maxLingerMs: 2000, maxBatchItems: 3 });
    for (let i = 0; i < 7; i++) {
      bySize.queue.add({ size: 1000 });
      byCount.queue.add({ size: 1 });
    }
    await jest.advanceTimersByTimeAsync(1000);
    expect(bySize.batches.map((b) => b.n)).toEqual([7]);
    expect(byCount.batches.map((b) => b.n)).toEqual([3, 3, 1]);
    for (let i = 0; i < 12; i++) bySize.queue.add({ size: 1000 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(bySize.batches.map((b) => b.n)).toEqual([7, 10, 2]);
  });
});

describe('createProducer: batching defaults', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** A transport that acknowledges every entry after `requestMs`, counting records per request. */
  function ackingTransport(requestMs = 50) {
    const perRequest: number[] = [];
    let next = 0;
    const transport: Transport = {
      url: 'http://test',
      retry: { retries: 0 },
      clusterPath: async () => '/v3/clusters/local',
      request: async <T>() => ({ status: 200, body: { partitions_count: 1 } as T }),
      send: async <T>(request: TransportRequest) => {
        const { entries } = JSON.parse(request.bodyText as string) as { entries: { id: string }[] };
        perRequest.push(entries.length);
        await new Promise((resolve) => setTimeout(resolve, requestMs));
        const successes = entries.map((e) => ok(e.id, 0, next++));
        return { status: 207, body: { successes } as T };
      },
    };
    return { transport, perRequest };
  }

  /** Sends one 1 KB message a millisecond for `ms`, then lets everything settle. */
  async function steady(producer: ReturnType<typeof createProducer>, ms: number) {
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < ms; i++) {
      sends.push(producer.send({ topic: 't', messages: [{ value: Buffer.alloc(1024, i) }] }));
      await jest.advanceTimersByTimeAsync(1);
    }
    await jest.advanceTimersByTimeAsync(DEFAULT_MAX_LINGER_MS + 1000);
    await Promise.all(sends);
  }

  it("are an adaptive linger from 5 ms to 2 s and 4 MB requests, below the server's body limit", () => {
    expect(DEFAULT_LINGER_MS).toBe(5);
    expect(DEFAULT_MAX_LINGER_MS).toBe(2_000);
    expect(DEFAULT_BATCH_BYTES).toBe(4_000_000);
    // The body is the entries plus `{"entries":[` and `]}`; the estimate per entry is generous.
    expect(DEFAULT_BATCH_BYTES + 64).toBeLessThan(MAX_REQUEST_BODY_BYTES);
  });

  it('send a trickle of messages at once and a steady 1 MB/s in requests of about 2 s each', async () => {
    const trickle = ackingTransport();
    const trickling = createProducer({ transport: trickle.transport, idempotent: false });
    for (let i = 0; i < 5; i++) {
      const sent = trickling.send({ topic: 't', messages: [{ value: 'alone' }] });
      await jest.advanceTimersByTimeAsync(DEFAULT_LINGER_MS);
      expect(trickle.perRequest).toHaveLength(i + 1); // left after 5 ms
      await jest.advanceTimersByTimeAsync(1000);
      await sent;
    }

    const busy = ackingTransport();
    await steady(createProducer({ transport: busy.transport, idempotent: false }), 20_000);
    expect(busy.perRequest.reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(busy.perRequest.length).toBeLessThan(25);
    expect(Math.max(...busy.perRequest)).toBeGreaterThanOrEqual(2_000);
  });

  it('keep lingerMs given alone as a fixed linger, and a maxLingerMs that lets it grow', async () => {
    const fixed = ackingTransport();
    await steady(createProducer({ transport: fixed.transport, idempotent: false, lingerMs: 5 }), 2_000);
    expect(fixed.perRequest.length).toBeGreaterThanOrEqual(36); // one per 55 ms at most
    expect(Math.max(...fixed.perRequest)).toBeLessThanOrEqual(60);

    const grown = ackingTransport();
    const producer = createProducer({
      transport: grown.transport,
      idempotent: false,
      lingerMs: 5,
      maxLingerMs: 400,
    });
    await steady(producer, 4_000);
    expect(Math.max(...grown.perRequest)).toBe(400);
  });

  it('refuse a maxLingerMs below lingerMs', () => {
    expect(() => createProducer({ url: 'http://x', lingerMs: 100, maxLingerMs: 50 })).toThrow(
      'maxLingerMs must be ≥ lingerMs (100), got 50.',
    );
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
