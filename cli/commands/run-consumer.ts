/**
 * `sluice run-consumer`: runs a consumer function's handler on this machine with the same
 * poller runtime the deployed Lambda poller uses. It talks to storage directly (S3 and
 * DynamoDB, or the emulators `AWS_ENDPOINT_URL` names), not to the HTTP API.
 */
import type { LogFields, Logger } from '../../shared/logger';
import { CONSUMER_DEFAULTS, settingsOn } from '../../shared/poller/consumer-config';
import type { ConsumerRuntimeSettings } from '../../shared/poller/consumer-config-zod';
import { integer, type OptionSpec, parse, UsageError, type Values } from '../args';
import type { Command } from '../command';
import { loadHandler } from '../handler-loader';
import { type CliIo, writeLine } from '../io';

const HELP = `Usage: sluice run-consumer --group G --topics T[,T2] --handler FILE[:export] [options]

Runs a handler written for AWS Lambda's self-managed Kafka trigger (the one you deploy with
sluice.addConsumer) as a member of consumer group G, until Ctrl-C.

Options:
  --group G                   consumer group
  --topics T[,T2]             topics to consume, comma-separated
  --handler FILE[:export]     .js, .mjs or .ts file; the export defaults to "handler"
  --batch-size N              most records per event (default ${CONSUMER_DEFAULTS.batchSize})
  --max-batching-window-ms N  how long to gather records before invoking (default ${CONSUMER_DEFAULTS.maxBatchingWindowMs})
  --retry-attempts N          retries of a failed batch, -1 for forever (default ${CONSUMER_DEFAULTS.retryAttempts})
  --on-failure TOPIC          dead-letter topic for batches that failed every retry
  --bisect-on-error           split a failing batch to isolate the bad record
  --from-beginning            partitions with no committed offset start at the oldest record
                              (default: only new records)
  --timeout-ms T              stop after T ms without a record
  --verbose                   log what the poller does (stderr)
  --json                      print the run's summary as JSON on stdout
  -h, --help                  this help

It reads storage the way the server does: AWS_ENDPOINT_URL for emulators or LocalStack
(unset: real AWS with the usual credential chain and AWS_REGION), SLUICE_BUCKET,
SLUICE_LOG_TABLE, SLUICE_META_TABLE and SLUICE_CLUSTER_ID.

Example:
  sluice run-consumer --group orders-app --topics orders \\
    --handler functions/examples/order-handler.ts --retry-attempts 2 --on-failure orders-dlq`;

/**
 * The command's options: one flag per consumer setting the schema offers on the command line
 * (`shared/poller/consumer-config.ts`), then the command's own.
 */
const OPTIONS: OptionSpec = {
  ...consumerFlags(),
  'timeout-ms': { type: 'string' },
  verbose: { type: 'boolean', default: false },
};

function consumerFlags(): OptionSpec {
  const spec: OptionSpec = {};
  for (const [, flag, setting] of settingsOn('flag')) {
    // An enumeration with a CLI default is a switch to the schema's default (--from-beginning).
    const isSwitch = setting.kind === 'boolean' || (setting.kind === 'enum' && setting.flagDefault);
    spec[flag] = isSwitch ? { type: 'boolean', default: false } : { type: 'string' };
  }
  return spec;
}

/** What the flags say: the handler's `FILE[:export]` and the poller settings, by runtime name. */
export interface ConsumerFlags {
  readonly handler: string;
  readonly settings: ConsumerRuntimeSettings & { readonly group: string; readonly topics: string[] };
}

/**
 * Reads the consumer settings from parsed flags. A flag not given leaves its setting unset,
 * so the poller runtime applies the schema's default — except where the schema gives the
 * command line its own default (`startingPosition`: only new records unless
 * `--from-beginning`). Ranges are checked by the runtime, against the same schema.
 *
 * @example
 * consumerSettingsFromFlags({ group: 'g', topics: 'a,b', handler: 'h.ts' }).settings;
 * // { group: 'g', topics: ['a', 'b'], startingPosition: 'LATEST' }
 */
export function consumerSettingsFromFlags(values: Values): ConsumerFlags {
  const settings: Record<string, unknown> = {};
  let handler = '';
  for (const [name, flag, setting] of settingsOn('flag')) {
    const raw = values[flag];
    switch (setting.kind) {
      case 'group':
        settings[name] = required(values, flag);
        break;
      case 'topics': {
        const topics = required(values, flag)
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '');
        if (topics.length === 0)
          throw new UsageError(`--${flag} names no topic (see: sluice run-consumer --help)`);
        settings[name] = topics;
        break;
      }
      case 'handler':
        handler = required(values, flag);
        break;
      case 'integer': {
        const value =
          setting.min < 0 ? signedInteger(values, flag) : integer(values, flag, undefined, 'run-consumer');
        if (value !== undefined) settings[name] = value;
        break;
      }
      case 'boolean':
        if (raw === true) settings[name] = true;
        break;
      case 'enum':
        if (setting.flagDefault !== undefined)
          settings[name] = raw === true ? setting.default : setting.flagDefault;
        else if (typeof raw === 'string') settings[name] = raw;
        break;
      case 'topic':
        if (typeof raw === 'string') settings[name] = raw;
        break;
      default:
        throw new Error(`run-consumer has no flag reader for a ${setting.kind} setting (--${flag}).`);
    }
  }
  return { handler, settings: settings as ConsumerFlags['settings'] };
}

/**
 * The `run-consumer` command.
 *
 * @example
 * await runConsumerCommand.run(['--help'], io);
 */
export const runConsumerCommand: Command = {
  name: 'run-consumer',
  summary: 'run a Lambda-style Kafka handler locally as a consumer group member',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parse(argv, OPTIONS, 'run-consumer');
    if (values.help) {
      await writeLine(io.stdout, HELP);
      return;
    }
    if (positionals.length > 0) {
      throw new UsageError(`Unexpected argument "${positionals[0]}" (see: sluice run-consumer --help)`);
    }
    const { handler: handlerSpec, settings } = consumerSettingsFromFlags(values);
    const handler = await loadHandler(handlerSpec, io.cwd ?? process.cwd(), settings.group);

    // Loaded here, not at the top: the AWS SDK costs a second of start-up every other command
    // skips. With require, not import(): bin/sluice.js runs this file through tsx's require
    // hook, which import() of an extension-less TypeScript path does not go through.
    const { createCluster } = require('../../shared/cluster') as typeof import('../../shared/cluster');
    const { configFromEnv } = require('../../shared/config') as typeof import('../../shared/config');
    const { runPoller } = require('../../shared/poller') as typeof import('../../shared/poller');
    const config = configFromEnv({ ...io.env });
    if (!config.endpoint)
      await writeLine(io.stderr, `sluice: AWS_ENDPOINT_URL is not set: using AWS in ${config.region}.`);
    const cluster = createCluster(config);
    const timers = trackedSleep();
    try {
      const summary = await runPoller({
        ...settings,
        cluster,
        handler,
        idleTimeoutMs: integer(values, 'timeout-ms', undefined, 'run-consumer'),
        signal: io.signal,
        sleep: timers.sleep,
        logger: logger(io, values.verbose === true),
      });
      if (values.json) {
        await writeLine(io.stdout, JSON.stringify(summary));
      } else {
        await writeLine(
          io.stderr,
          `Stopped (${summary.reason}): ${summary.committedRecords} records handled and committed, ` +
            `${summary.deadLetteredRecords} dead-lettered.`,
        );
      }
    } finally {
      timers.clear();
      cluster.close();
    }
  },
};

/**
 * The poller's sleep, with every timer remembered: a stopped poller may leave a long sleep
 * behind (it races it against the stop), and a pending timer would keep the CLI process
 * alive for seconds after the run ended.
 */
function trackedSleep() {
  const timers = new Set<NodeJS.Timeout>();
  return {
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            resolve();
          },
          Math.max(0, ms),
        );
        timers.add(timer);
      }),
    clear() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`--${name} is required (see: sluice run-consumer --help)`);
  }
  return value;
}

function signedInteger(values: Values, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(String(raw).trim())) {
    throw new UsageError(
      `--${name} must be an integer (-1 for forever), got "${raw}" (see: sluice run-consumer --help)`,
    );
  }
  return Number(raw);
}

function logger(io: CliIo, verbose: boolean): Logger {
  const line = (level: string, message: string, fields: LogFields[]) => {
    const merged: LogFields = Object.assign({}, ...fields);
    const detail = Object.keys(merged).length > 0 ? ` ${JSON.stringify(merged)}` : '';
    void writeLine(io.stderr, `sluice run-consumer: ${level}${message}${detail}`);
  };
  return {
    info: (message, ...fields) => {
      if (verbose) line('', message, fields);
    },
    warn: (message, ...fields) => line('warning: ', message, fields),
    error: (message, ...fields) => line('error: ', message, fields),
  };
}
