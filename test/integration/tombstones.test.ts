import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createAdmin } from '../../shared/client/admin';
import { createConsumer, type KafkaMessage } from '../../shared/client/consumer';
import { startTestServer, type TestServer } from '../support/client-server';
import { uniqueName } from '../support/local-aws';

/**
 * A tombstone (null value) and an empty value are different records in Kafka; each consumer
 * surface must keep them apart. The consumer event is covered in lambda-event.test.ts.
 */
const BIN = join(__dirname, '..', '..', 'bin', 'sluice.js');

let server: TestServer;
let topic: string;
beforeAll(async () => {
  server = await startTestServer();
  topic = uniqueName('tombstone').slice(0, 40);
  await createAdmin({ url: server.url }).createTopic({ topic });
  // Through the v3 HTTP API: no value at all, then an empty STRING value, then a value.
  const body = [
    { key: { type: 'STRING', data: 'gone' } },
    { key: { type: 'STRING', data: 'empty' }, value: { type: 'STRING', data: '' } },
    { key: { type: 'STRING', data: 'full' }, value: { type: 'STRING', data: 'x' } },
  ]
    .map((record) => JSON.stringify(record))
    .join('\n');
  const response = await fetch(`${server.url}/v3/clusters/local/topics/${topic}/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(response.status).toBe(200);
});
afterAll(() => server.close());

function sluice(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, SLUICE_URL: server.url }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('a tombstone and an empty value', () => {
  it('reach a client consumer as null and an empty Buffer', async () => {
    const seen: KafkaMessage[] = [];
    const consumer = createConsumer({ url: server.url, groupId: uniqueName('tombstone-group').slice(0, 40) });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    const deadline = Date.now() + 20_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    await consumer.disconnect();
    expect(seen.map((m) => [m.key?.toString(), m.value])).toEqual([
      ['gone', null],
      ['empty', Buffer.alloc(0)],
      ['full', Buffer.from('x')],
    ]);
  });

  it('print as null and as an empty line in sluice consume, and as null and "" with --json', async () => {
    const plain = await sluice(['consume', topic, '--from-beginning', '--max-messages', '3', '--print-key']);
    expect(plain.code).toBe(0);
    expect(plain.stdout.split('\n').slice(0, 3)).toEqual(['gone\tnull', 'empty\t', 'full\tx']);
    const json = await sluice(['consume', topic, '--from-beginning', '--max-messages', '3', '--json']);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).value),
    ).toEqual([null, '', 'x']);
  });
});
