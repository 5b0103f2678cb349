/** `sluice consume <topic>`, in the manner of kafka-console-consumer.sh. */
import { createAdmin } from '../../shared/client/admin';
import { createConsumer, type KafkaMessage } from '../../shared/client/consumer';
import { fetchPartition } from '../../shared/client/consumer/messages';
import { createTransport } from '../../shared/client/transport';
import { sleep } from '../../shared/retry';
import { connection, integer, parse, positional, UsageError, type Values } from '../args';
import { COMMON_HELP, type Command } from '../command';
import { about } from '../errors';
import { type CliIo, writeLine } from '../io';

const HELP = `Usage: sluice consume <topic> [options]

Prints one record value per line on stdout, and at the end, on stderr, how many it printed
("Processed a total of N messages", as kafka-console-consumer.sh does).

Options:
  --group G            consume as member of consumer group G and commit what was printed
  --from-beginning     start at the oldest retained record (default: only new records)
  --max-messages N     exit after N records
  --partition P        read only partition P (not with --group)
  --offset O           with --partition: start at offset O (or earliest / latest)
  --print-key          print key<TAB>value (see --key-separator)
  --key-separator S    what separates key and value with --print-key (default: a tab)
  --timeout-ms T       exit after T ms without a new record (default: run until Ctrl-C)
  --json               one JSON object per record: topic, partition, offset, timestamp, key, value, headers

Examples:
  sluice consume orders --from-beginning --max-messages 10
  sluice consume orders --group billing --print-key --timeout-ms 5000
  sluice consume orders --partition 2 --offset 1500 --json

${COMMON_HELP}`;

const OPTIONS = {
  group: { type: 'string' },
  'from-beginning': { type: 'boolean', default: false },
  'max-messages': { type: 'string' },
  partition: { type: 'string' },
  offset: { type: 'string' },
  'print-key': { type: 'boolean', default: false },
  'key-separator': { type: 'string', default: '\t' },
  'timeout-ms': { type: 'string' },
} as const;

/** How often an idle consume looks again, in ms. */
const IDLE_POLL_MS = 250;

interface Settings {
  readonly topic: string;
  readonly maxMessages: number;
  readonly timeoutMs?: number;
  readonly print: (partition: number, message: KafkaMessage) => Promise<void>;
}

/**
 * The `consume` command.
 *
 * @example
 * await consumeCommand.run(['--help'], io);
 */
export const consumeCommand: Command = {
  name: 'consume',
  summary: 'print records of a topic, optionally as a consumer group member',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parse(argv, OPTIONS, 'consume');
    if (values.help) {
      await writeLine(io.stdout, HELP);
      return;
    }
    const [topic] = positional(positionals, ['topic'], 'consume');
    const partition = integer(values, 'partition', undefined, 'consume');
    if (values.offset !== undefined && partition === undefined) {
      throw new UsageError(
        '--offset needs --partition: offsets belong to one partition (see: sluice consume --help)',
      );
    }
    if (values.group !== undefined && partition !== undefined) {
      throw new UsageError(
        '--partition cannot be used with --group: the group assigns partitions (see: sluice consume --help)',
      );
    }
    let processed = 0;
    const print = printer(io, topic, values);
    const settings: Settings = {
      topic,
      maxMessages: integer(values, 'max-messages', Number.POSITIVE_INFINITY, 'consume') as number,
      timeoutMs: integer(values, 'timeout-ms', undefined, 'consume'),
      print: async (p, message) => {
        await print(p, message);
        processed++;
      },
    };
    const total = () => writeLine(io.stderr, `Processed a total of ${processed} messages`);
    try {
      await about({ topic, partition, offset: values.offset as string | undefined }, async () => {
        if (settings.maxMessages === 0) return;
        if (values.group !== undefined) await consumeAsGroup(io, values, settings, values.group as string);
        else await consumeDirectly(io, values, settings, partition);
      });
    } catch (error) {
      // A failure before the first record is the one line worth reading; after some, the
      // count says how far it got.
      if (processed > 0) await total();
      throw error;
    }
    await total();
  },
};

function printer(io: CliIo, topic: string, values: Values) {
  const text = (bytes: Buffer | null) => (bytes === null ? 'null' : bytes.toString('utf8'));
  return async (partition: number, message: KafkaMessage): Promise<void> => {
    if (values.json) {
      const headers = Object.fromEntries(
        Object.entries(message.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.map((v) => v.toString('utf8')) : value.toString('utf8'),
        ]),
      );
      const record = {
        topic,
        partition,
        offset: message.offset,
        timestamp: message.timestamp,
        key: message.key?.toString('utf8') ?? null,
        value: message.value?.toString('utf8') ?? null,
        headers,
      };
      await writeLine(io.stdout, JSON.stringify(record));
    } else if (values['print-key']) {
      await writeLine(io.stdout, `${text(message.key)}${values['key-separator']}${text(message.value)}`);
    } else {
      await writeLine(io.stdout, text(message.value));
    }
  };
}

/** Reads partitions straight through the fetch endpoint: no group, nothing committed. */
async function consumeDirectly(
  io: CliIo,
  values: Values,
  settings: Settings,
  only: number | undefined,
): Promise<void> {
  const options = connection(values, io);
  const transport = createTransport(options);
  const partitions = await createAdmin({ transport }).partitions(settings.topic);
  const selected = only === undefined ? partitions : partitions.filter((p) => p.partitionId === only);
  if (selected.length === 0) {
    throw new UsageError(
      `Topic ${settings.topic} has no partition ${only}: it has 0 to ${partitions.length - 1}.`,
    );
  }
  const explicit = values.offset as string | undefined;
  if (explicit !== undefined && !/^(\d+|earliest|latest)$/.test(explicit)) {
    throw new UsageError(
      `--offset must be a number, earliest or latest, got "${explicit}" (see: sluice consume --help)`,
    );
  }
  const fromBeginning = values['from-beginning'] === true;
  const positions = new Map(
    selected.map((p) => {
      const start =
        explicit === 'earliest' || (explicit === undefined && fromBeginning)
          ? p.logStartOffset
          : explicit === 'latest' || explicit === undefined
            ? p.logEndOffset
            : explicit;
      return [p.partitionId, start];
    }),
  );
  let printed = 0;
  let lastRecordAt = Date.now();
  while (!io.signal?.aborted) {
    let any = false;
    for (const [partition, offset] of positions) {
      const remaining = settings.maxMessages - printed;
      const fetched = await fetchPartition(transport, {
        topic: settings.topic,
        partition,
        offset,
        maxRecords: Math.min(500, remaining),
        // An explicit offset out of range is the user's mistake to see; otherwise follow the log.
        autoOffsetReset: /^\d+$/.test(explicit ?? '') ? 'none' : fromBeginning ? 'earliest' : 'latest',
      });
      positions.set(partition, fetched.nextOffset);
      for (const message of fetched.messages) await settings.print(partition, message);
      printed += fetched.messages.length;
      if (fetched.messages.length > 0) any = true;
      if (printed >= settings.maxMessages) return;
    }
    if (any) lastRecordAt = Date.now();
    else if (!(await idle(io, settings, lastRecordAt))) return;
  }
}

/** Consumes as a member of a group, committing exactly what was printed. */
async function consumeAsGroup(io: CliIo, values: Values, settings: Settings, groupId: string): Promise<void> {
  const fromBeginning = values['from-beginning'] === true;
  const consumer = createConsumer({
    ...connection(values, io),
    groupId,
    fromBeginning,
    onError: (error) => {
      void writeLine(io.stderr, `sluice: ${error instanceof Error ? error.message : String(error)}`);
    },
  });
  await consumer.subscribe({ topics: [settings.topic], fromBeginning });
  let printed = 0;
  let lastRecordAt = Date.now();
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
      for (const message of batch.messages) {
        if (printed >= settings.maxMessages || !isRunning() || isStale()) return;
        await settings.print(batch.partition, message);
        resolveOffset(message.offset);
        printed++;
        lastRecordAt = Date.now();
      }
    },
  });
  try {
    while (!io.signal?.aborted && printed < settings.maxMessages) {
      if (!(await idle(io, settings, lastRecordAt))) break;
    }
  } finally {
    await consumer.disconnect();
  }
}

/** Waits one poll interval; false once `--timeout-ms` has passed without a record. */
async function idle(io: CliIo, settings: Settings, lastRecordAt: number): Promise<boolean> {
  const left =
    settings.timeoutMs === undefined ? IDLE_POLL_MS : settings.timeoutMs - (Date.now() - lastRecordAt);
  if (left <= 0) return false;
  await sleep(Math.min(IDLE_POLL_MS, left), { signal: io.signal });
  return true;
}
