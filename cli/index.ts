/**
 * `sluice`: the command-line tool. {@link main} takes the arguments and the outside world
 * (streams, environment, abort signal) and resolves to the exit code, so tests run it
 * in-process and `bin/sluice.js` only wires it to the real process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './args';
import type { Command } from './command';
import { consoleCommand } from './commands/console';
import { consumeCommand } from './commands/consume';
import { groupsCommand } from './commands/groups';
import { produceCommand } from './commands/produce';
import { runConsumerCommand } from './commands/run-consumer';
import { topicsCommand } from './commands/topics';
import { explain } from './errors';
import { type CliIo, writeLine } from './io';
import { unknownOptionAdvice } from './options-advice';

export type { CliIo, Output } from './io';

/**
 * Commands in the order `sluice --help` lists them.
 *
 * @example
 * COMMANDS.map((c) => c.name); // ['topics', 'produce', 'consume', 'groups', 'run-consumer', 'console']
 */
export const COMMANDS: Command[] = [
  topicsCommand,
  produceCommand,
  consumeCommand,
  groupsCommand,
  runConsumerCommand,
  consoleCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: sluice <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `sluice <command> --help` for the options of a command; `sluice --version` prints the version.',
    'The server is --url or $SLUICE_URL (default http://127.0.0.1:8080; start one with `npm start`).',
  ].join('\n');
}

/**
 * Runs one command line and resolves to the exit code: 0 on success, 1 on any error, which
 * is reported as one line on stderr saying what to do. Never calls process.exit.
 *
 * @example
 * const code = await main(['topics', 'list'], { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      await writeLine(name === undefined ? io.stderr : io.stdout, usage());
      return name === undefined ? 1 : 0;
    }
    if (name === '--version') {
      await writeLine(io.stdout, version());
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command && name.startsWith('-')) {
      const [rawName, inline] = name.split(/=(.*)/s, 2);
      throw new UsageError(
        unknownOptionAdvice({
          name: rawName.replace(/^-+/, ''),
          rawName,
          value: inline ?? (rest[0]?.startsWith('-') ? undefined : rest[0]),
          command: '',
        }),
      );
    }
    if (!command) {
      throw new UsageError(
        `Unknown command "${name}": use one of ${COMMANDS.map((c) => c.name).join(', ')} (see: sluice --help)`,
      );
    }
    await command.run(rest, io);
    return 0;
  } catch (error) {
    await writeLine(io.stderr, `sluice: ${explain(error)}`);
    return 1;
  }
}

/** The version in package.json, as Kafka's tools print theirs: the number alone. */
function version(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
