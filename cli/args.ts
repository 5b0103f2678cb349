/**
 * Argument parsing on `node:util`'s parseArgs, with the options every command shares and a
 * {@link UsageError} whose message says what to type instead.
 */
import { parseArgs } from 'node:util';
import type { ConnectionOptions } from '../shared/client/transport';
import type { CliIo } from './io';
import { unknownOptionAdvice } from './options-advice';

/**
 * The command line is wrong; the message names the fix.
 *
 * @example
 * throw new UsageError('--offset needs --partition (see: sluice consume --help)');
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Option declarations in parseArgs's format. */
export type OptionSpec = Record<
  string,
  { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean }
>;

/**
 * Options every command accepts.
 *
 * @example
 * parseArgs({ args, options: { ...GLOBAL_OPTIONS, partitions: { type: 'string' } } });
 */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  cluster: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies OptionSpec;

/** Parsed values: strings, booleans and string lists. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * Parses `argv` against the command's options plus the global ones.
 *
 * @example
 * const { values, positionals } = parse(['orders', '--partitions', '3'], { partitions: { type: 'string' } }, 'topics create');
 */
export function parse(
  argv: readonly string[],
  options: OptionSpec,
  command: string,
): { values: Values; positionals: string[] } {
  const all: OptionSpec = { ...GLOBAL_OPTIONS, ...options };
  checkOptions(argv, all, command);
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: all,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (error) {
    // Anything checkOptions did not foresee: the parser's first line is still better than nothing.
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`${detail} (see: sluice ${command} --help)`);
  }
}

/**
 * Finds the first option the command does not have, or one used with the wrong kind of value,
 * and says so in Sluice's words (Kafka tool options get their Sluice equivalent).
 */
function checkOptions(argv: readonly string[], options: OptionSpec, command: string): void {
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const see = `(see: sluice ${command} --help)`;
  for (const [i, token] of tokens.entries()) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (spec === undefined) {
      const next = tokens[i + 1];
      const value = token.inlineValue
        ? token.value
        : next?.kind === 'positional' && next.index === token.index + 1
          ? next.value
          : undefined;
      throw new UsageError(unknownOptionAdvice({ name: token.name, rawName: token.rawName, value, command }));
    }
    if (spec.type === 'boolean' && token.value !== undefined) {
      throw new UsageError(`${token.rawName} takes no value, got "${token.value}" ${see}`);
    }
    if (spec.type === 'string') {
      if (token.value === undefined) throw new UsageError(`${token.rawName} needs a value ${see}`);
      if (!token.inlineValue && token.value.startsWith('-') && token.value !== '-') {
        throw new UsageError(
          `${token.rawName} needs a value, got the option ${token.value}; a value that starts with "-" is written ${token.rawName}=${token.value} ${see}`,
        );
      }
    }
  }
}

/**
 * How to reach the server, from `--url` / `SLUICE_URL` and `--cluster`.
 *
 * @example
 * const admin = createAdmin(connection(values, io));
 */
export function connection(values: Values, io: CliIo): ConnectionOptions {
  return {
    url: (values.url as string | undefined) ?? io.env.SLUICE_URL ?? 'http://127.0.0.1:8080',
    clusterId: values.cluster as string | undefined,
    fetch: io.fetch,
  };
}

/**
 * A non-negative integer option, or the default.
 *
 * @example
 * const partitions = integer(values, 'partitions', 1, 'topics create');
 */
export function integer(
  values: Values,
  name: string,
  fallback: number | undefined,
  command: string,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const text = String(raw).trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(
      `--${name} must be a non-negative integer, got "${raw}" (see: sluice ${command} --help)`,
    );
  }
  return Number(text);
}

/**
 * Parses repeated `k=v` options (`--config`, `--header`).
 *
 * @example
 * pairs(['retention.ms=1000'], 'config', 'topics create'); // [['retention.ms', '1000']]
 */
export function pairs(
  raw: string | boolean | string[] | undefined,
  name: string,
  command: string,
): [string, string][] {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  return list.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`--${name} takes key=value, got "${item}" (see: sluice ${command} --help)`);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

/**
 * Exactly the named positionals, or a usage error naming the missing or extra one.
 *
 * @example
 * const [topic] = positional(rest, ['topic'], 'topics create');
 */
export function positional(
  positionals: readonly string[],
  names: readonly string[],
  command: string,
): string[] {
  if (positionals.length !== names.length) {
    const want = names.map((n) => `<${n}>`).join(' ');
    throw new UsageError(
      positionals.length < names.length
        ? `Missing ${want}: sluice ${command} ${want} (see: sluice ${command} --help)`
        : `Unexpected argument "${positionals[names.length]}" (see: sluice ${command} --help)`,
    );
  }
  return [...positionals];
}
