/**
 * `sluice topics alter <topic> --partitions N` (kafka-topics.sh --alter --partitions), run as
 * users run it: `bin/sluice.js` in a child process against a test server.
 */
import { type CliRun, runSluice } from '../support/cli-process';
import { startTestServer, type TestServer } from '../support/client-server';
import { uniqueName } from '../support/local-aws';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function sluice(args: string[]): Promise<CliRun> {
  return runSluice(args, { env: { ...process.env, SLUICE_URL: server.url } });
}

describe('sluice topics alter', () => {
  it('adds partitions, and describe shows them', async () => {
    const topic = uniqueName('bin-alter').slice(0, 40);
    expect(await sluice(['topics', 'create', topic, '--partitions', '2'])).toMatchObject({ code: 0 });
    const altered = await sluice(['topics', 'alter', topic, '--partitions', '5']);
    expect(altered.code).toBe(0);
    expect(altered.stderr).toContain(`Topic ${topic} now has 5 partitions.`);
    const described = await sluice(['topics', 'describe', topic]);
    expect(described.stdout).toContain(`Topic: ${topic}\tPartitionCount: 5`);
    expect(described.stdout).toContain('Partition: 4\t');
  });

  it("refuses fewer partitions with Kafka's message, and a missing --partitions with usage", async () => {
    const topic = uniqueName('bin-alter').slice(0, 40);
    await sluice(['topics', 'create', topic, '--partitions', '3']);
    const lower = await sluice(['topics', 'alter', topic, '--partitions', '2']);
    expect(lower.code).not.toBe(0);
    expect(lower.stderr).toContain('Topic currently has 3 partitions, which is higher than the requested 2.');
    const bare = await sluice(['topics', 'alter', topic]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain('sluice topics alter <topic> --partitions N');
    expect((await sluice(['topics', 'describe', topic])).stdout).toContain('PartitionCount: 3');
  });
});
