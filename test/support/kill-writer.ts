/**
 * A writer process that kills itself with SIGKILL in the middle of an append, for the crash
 * tests: `node --import tsx test/support/kill-writer.ts <topic> <after-reserve|after-commit> <value>`.
 * It uses the environment's AWS endpoint and tables, like any Sluice process. It never
 * answers: printing "answered" would mean the kill point was not reached.
 */
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';

const [topicName, killAt, value] = process.argv.slice(2);
if (!topicName || !['after-reserve', 'after-commit'].includes(killAt) || value === undefined) {
  console.error('usage: kill-writer.ts <topic> <after-reserve|after-commit> <value>');
  process.exit(2);
}

const die = (point: string) => {
  if (point === killAt) process.kill(process.pid, 'SIGKILL');
};

const cluster = createCluster(configFromEnv(), {
  wrapIndex: (index) => ({
    ...index,
    async reserve(...args) {
      const reservation = await index.reserve(...args);
      die('after-reserve');
      return reservation;
    },
    async commit(...args) {
      const outcome = await index.commit(...args);
      die('after-commit');
      return outcome;
    },
  }),
});

async function main(): Promise<void> {
  const topic = await cluster.topics.get(topicName);
  await cluster.log.append(topic, [
    { key: null, value: Buffer.from(value), headers: [], timestamp: Date.now(), partition: 0 },
  ]);
  console.log('answered');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
