/** `sluice produce <topic>`, in the manner of kafka-console-producer.sh. */
import type { Message, MessageMetadata } from '../../shared/client/producer';
import { createProducer } from '../../shared/client/producer';
import { MAX_RECORDS_PER_APPEND } from '../../shared/log/limits';
import { connection, integer, pairs, parse, positional, UsageError } from '../args';
import { COMMON_HELP, type Command } from '../command';
import { AdvisedError, explain } from '../errors';
import { type CliIo, readLines, writeLine } from '../io';

const HELP = `Usage: sluice produce <topic> [options]

Sends one record per line of stdin (or one record given with --value).

Options:
  --key-separator S   split each line at the first S into key and value
  --key K             key of every record (unless --key-separator gives one)
  --value V           send this one record instead of reading stdin
  --partition P       write to partition P (default: by key, keyless records share one)
  --header k=v        add a header to every record (repeatable)
  --verbose           print partition:offset of each record (stderr; stdout with --json)
  --linger-ms N       how long a record waits to share a request while input is slow
                      (default 5; given alone, a fixed linger)
  --max-linger-ms N   how long the wait may grow while input keeps coming (default 2000,
                      or --linger-ms when only that is given): a fast pipe sends few large
                      requests, a line now and then goes out at once
  --no-idempotence    allow duplicates on retry (idempotent by default)

Examples:
  echo '{"total":9}' | sluice produce orders
  printf 'order-1:{"total":9}\\norder-2:{"total":4}\\n' | sluice produce orders --key-separator :
  sluice produce orders --key order-42 --value '{"total":9}' --header source=cli --verbose

${COMMON_HELP}`;

const OPTIONS = {
  'key-separator': { type: 'string' },
  key: { type: 'string' },
  value: { type: 'string' },
  partition: { type: 'string' },
  header: { type: 'string', multiple: true },
  verbose: { type: 'boolean', default: false },
  'linger-ms': { type: 'string' },
  'max-linger-ms': { type: 'string' },
  'no-idempotence': { type: 'boolean', default: false },
} as const;

/**
 * Sends still unanswered before reading more input: bounds memory on a large stdin. Room for
 * two full requests (one in flight, the next filling), so a fast pipe fills requests and sends
 * each at once instead of waiting out the grown linger with a request only partly filled.
 */
const MAX_OUTSTANDING = 2 * MAX_RECORDS_PER_APPEND;

/**
 * The `produce` command.
 *
 * @example
 * await produceCommand.run(['--help'], io);
 */
export const produceCommand: Command = {
  name: 'produce',
  summary: 'send records from stdin lines (or --value) to a topic',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parse(argv, OPTIONS, 'produce');
    if (values.help) {
      await writeLine(io.stdout, HELP);
      return;
    }
    const [topic] = positional(positionals, ['topic'], 'produce');
    const separator = values['key-separator'] as string | undefined;
    if (separator === '')
      throw new UsageError('--key-separator must not be empty (see: sluice produce --help)');
    const headers = Object.fromEntries(pairs(values.header, 'header', 'produce'));
    const base: Omit<Message, 'value'> = {
      key: values.key as string | undefined,
      partition: integer(values, 'partition', undefined, 'produce'),
      headers,
    };
    const lingerMs = integer(values, 'linger-ms', undefined, 'produce');
    const maxLingerMs = integer(values, 'max-linger-ms', undefined, 'produce');
    if (lingerMs !== undefined && maxLingerMs !== undefined && maxLingerMs < lingerMs) {
      throw new UsageError(
        `--max-linger-ms (${maxLingerMs}) must be at least --linger-ms (${lingerMs}) (see: sluice produce --help)`,
      );
    }
    const producer = createProducer({
      ...connection(values, io),
      // Unset options take the client's defaults: the CLI batches like any producer.
      lingerMs,
      maxLingerMs,
      idempotent: values['no-idempotence'] !== true,
    });
    const report = reporter(io, topic, values.verbose === true, values.json === true);

    let stopped: unknown;
    try {
      if (values.value !== undefined) {
        await report(producer.sendEach({ topic, messages: [{ ...base, value: values.value as string }] }));
      } else {
        let lineNumber = 0;
        for await (const line of readLines(io.stdin, io.signal)) {
          lineNumber++;
          const message = toMessage(line, lineNumber, separator, base);
          await report(producer.sendEach({ topic, messages: [message] }), MAX_OUTSTANDING);
        }
      }
    } catch (error) {
      stopped = error;
    }
    // Whatever stopped the input, what was already sent is delivered and reported.
    await producer.disconnect();
    await report.done().catch((error: unknown) => {
      stopped ??= error;
    });
    if (stopped !== undefined) throw stopped;
  },
};

function toMessage(
  line: string,
  lineNumber: number,
  separator: string | undefined,
  base: Omit<Message, 'value'>,
): Message {
  if (separator === undefined) return { ...base, value: line };
  const at = line.indexOf(separator);
  if (at < 0) {
    throw new UsageError(
      `Line ${lineNumber} has no key separator "${separator}": write key${separator}value, or drop --key-separator.`,
    );
  }
  return { ...base, key: line.slice(0, at), value: line.slice(at + separator.length) };
}

/**
 * Prints delivery reports in input order while sends complete, and remembers the first
 * failure, which ends the command with exit code 1 once everything sent is settled.
 */
function reporter(io: CliIo, topic: string, verbose: boolean, json: boolean) {
  const queue: Promise<MessageMetadata[] | Error>[] = [];
  let failure: Error | undefined;
  let failed = 0;
  let total = 0;

  async function printOldest(): Promise<void> {
    const outcome = await (queue.shift() as Promise<MessageMetadata[] | Error>);
    total++;
    if (outcome instanceof Error) {
      failed++;
      failure ??= outcome;
      return;
    }
    if (!verbose) return;
    for (const m of outcome) {
      if (json)
        await writeLine(io.stdout, JSON.stringify({ topic, partition: m.partition, offset: m.offset }));
      else await writeLine(io.stderr, `${m.partition}:${m.offset}`);
    }
  }

  const report = async (sent: Promise<MessageMetadata[]>, keep = 0): Promise<void> => {
    queue.push(sent.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))));
    while (queue.length > keep) await printOldest();
  };
  report.done = async (): Promise<void> => {
    while (queue.length > 0) await printOldest();
    if (failure) {
      throw new AdvisedError(
        `${failed} of ${total} records were not produced: ${explain(failure, { topic })}`,
        failure,
      );
    }
  };
  return report;
}
