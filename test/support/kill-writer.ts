/**
 * A writer process that kills itself with SIGKILL in the middle of an append, for the crash
 * tests: `node --import tsx test/support/kill-writer.ts <topic> <kill point> <value> [<producer id> <sequence> <timestamp>]`.
 * Kill points: `after-reserve`, `after-claim` (an idempotent batch's producer state names its
 * range, its slot is not written), `after-commit`. With a producer id the record is appended
 * idempotently at that sequence, with that timestamp (so a retry can send the same batch).
 * It uses the environment's AWS endpoint and tables, like any Sluice process. It never
 * answers: printing "answered" would mean the kill point was not reached.
 */
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';

const KILL_POINTS = ['after-reserve', 'after-claim', 'after-commit'];
const [topicName, killAt, value, producerId, sequence, timestamp] = process.argv.slice(2);
if (!topicName || !KILL_POINTS.includes(killAt) || value === undefined) {
  console.error(
    'usage: kill-writer.ts <topic> <after-reserve|after-claim|after-commit> <value> [<producer id> <sequence> <timestamp>]',
  );
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
    async claim(...args) {
      const outcome = await index.claim(...args);
      die('after-claim');
      return outcome;
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
  await cluster.log.append(
    topic,
    [
      {
        key: null,
        value: Buffer.from(value),
        headers: [],
        timestamp: timestamp === undefined ? Date.now() : Number(timestamp),
        partition: 0,
      },
    ],
    producerId === undefined ? undefined : { id: producerId, sequenceFor: () => Number(sequence) },
  );
  console.log('answered');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
