/** `sluice topics create|list|describe|delete`, in the manner of kafka-topics.sh. */
import { createAdmin, type TopicDescription } from '../../shared/client/admin';
import { AlreadyExistsError } from '../../shared/errors';
import { connection, integer, pairs, parse, positional, UsageError } from '../args';
import { COMMON_HELP, type Command } from '../command';
import { about } from '../errors';
import { type CliIo, writeLine } from '../io';

const HELP = `Usage: sluice topics <create|list|describe|alter|delete> [options]

  sluice topics create <topic> [--partitions N] [--config k=v]... [--if-not-exists]
  sluice topics alter <topic> --partitions N   add partitions (increase only; keys may move)
  sluice topics list
  sluice topics describe <topic>      partitions with their log start and end offsets
  sluice topics delete <topic>

Examples:
  sluice topics create orders --partitions 6 --config retention.ms=86400000
  sluice topics describe orders --json
  sluice topics alter orders --partitions 12

${COMMON_HELP}`;

const OPTIONS = {
  partitions: { type: 'string' },
  config: { type: 'string', multiple: true },
  'if-not-exists': { type: 'boolean', default: false },
} as const;

/**
 * The `topics` command.
 *
 * @example
 * await topicsCommand.run(['--help'], io);
 */
export const topicsCommand: Command = {
  name: 'topics',
  summary: 'create, list, describe, alter and delete topics',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parse(argv, OPTIONS, 'topics');
    if (values.help) {
      await writeLine(io.stdout, HELP);
      return;
    }
    const [action, ...rest] = positionals;
    const admin = createAdmin(connection(values, io));
    const json = values.json === true;
    await about({ topic: rest[0] }, async () => {
      switch (action) {
        case 'create': {
          const [topic] = positional(rest, ['topic'], 'topics create');
          try {
            const created = await admin.createTopic({
              topic,
              numPartitions: integer(values, 'partitions', 1, 'topics create'),
              configEntries: pairs(values.config, 'config', 'topics create').map(([name, value]) => ({
                name,
                value,
              })),
            });
            if (json) await writeLine(io.stdout, JSON.stringify(created));
            else await writeLine(io.stderr, `Created topic ${topic}.`);
          } catch (error) {
            if (!(error instanceof AlreadyExistsError && values['if-not-exists'])) throw error;
            await writeLine(io.stderr, `Topic ${topic} already exists.`);
          }
          return;
        }
        case 'list': {
          positional(rest, [], 'topics list');
          const names = await admin.listTopics();
          if (json) await writeLine(io.stdout, JSON.stringify(names));
          else for (const name of names) await writeLine(io.stdout, name);
          return;
        }
        case 'describe': {
          const [topic] = positional(rest, ['topic'], 'topics describe');
          await describe(io, await admin.describeTopic(topic), json);
          return;
        }
        case 'alter': {
          const [topic] = positional(rest, ['topic'], 'topics alter');
          const count = integer(values, 'partitions', undefined, 'topics alter');
          if (count === undefined) {
            throw new UsageError(
              'Say what to alter: sluice topics alter <topic> --partitions N (see: sluice topics --help)',
            );
          }
          await admin.createPartitions({ topicPartitions: [{ topic, count }] });
          // kafka-topics.sh --alter warns the same way: keyed records follow the new count.
          await writeLine(
            io.stderr,
            `Topic ${topic} now has ${count} partitions. Records with a key are placed by the new count from now on, so a key may move to another partition.`,
          );
          return;
        }
        case 'delete': {
          const [topic] = positional(rest, ['topic'], 'topics delete');
          await admin.deleteTopic(topic);
          await writeLine(io.stderr, `Deleted topic ${topic}.`);
          return;
        }
        default:
          throw new UsageError(
            action === undefined
              ? 'Name an action: sluice topics create|list|describe|alter|delete (see: sluice topics --help)'
              : `Unknown action "${action}": use create, list, describe, alter or delete (see: sluice topics --help)`,
          );
      }
    });
  },
};

async function describe(io: CliIo, topic: TopicDescription, json: boolean): Promise<void> {
  if (json) {
    await writeLine(io.stdout, JSON.stringify(topic));
    return;
  }
  const configs = Object.entries(topic.configs)
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
  await writeLine(
    io.stdout,
    `Topic: ${topic.name}\tPartitionCount: ${topic.partitionsCount}\tConfigs: ${configs}`,
  );
  for (const p of topic.partitions) {
    await writeLine(
      io.stdout,
      `\tTopic: ${topic.name}\tPartition: ${p.partitionId}\tLogStartOffset: ${p.logStartOffset}\tLogEndOffset: ${p.logEndOffset}`,
    );
  }
}
