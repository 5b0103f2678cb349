import { KafkaSelfManagedEventSchema } from '@aws-lambda-powertools/parser/schemas';
import type { SelfManagedKafkaEvent } from 'aws-lambda';
import { handler } from '../../functions/examples/order-handler';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** An event shaped as contracts.md describes Sluice's poller event. */
function event(values: string[]): SelfManagedKafkaEvent {
  return {
    eventSource: 'SelfManagedKafka',
    bootstrapServers: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
    records: {
      'orders-0': values.map((value, i) => ({
        topic: 'orders',
        partition: 0,
        offset: 15 + i,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: b64(`order-${i}`),
        value: b64(value),
        headers: [{ h: [104, 105] }],
      })),
    },
  };
}

describe('the example consumer handler (functions/examples/order-handler.ts)', () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('takes the event Powertools validates as a self-managed Kafka event', () => {
    expect(KafkaSelfManagedEventSchema.safeParse(event(['{"total":9}'])).success).toBe(true);
  });

  it('logs each record with its decoded key, value and headers and reports no failure', async () => {
    await expect(handler(event(['{"total":9}', '{"total":3}']))).resolves.toEqual({ batchItemFailures: [] });
    expect(logged.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        topic: 'orders',
        offset: 15,
        key: 'order-0',
        order: { total: 9 },
        headers: { h: 'hi' },
      }),
      expect.objectContaining({ offset: 16, key: 'order-1', order: { total: 3 } }),
    ]);
  });

  it('reports the first record it cannot decode and stops that partition there', async () => {
    const result = await handler(event(['{"total":9}', 'not json', '{"total":1}']));
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 16 } }],
    });
    expect(logged).toHaveLength(1);
  });
});
