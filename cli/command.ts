import type { CliIo } from './io';

/** One `sluice` command: its help text and what it does. Throwing ends it with exit code 1. */
export interface Command {
  readonly name: string;
  /** One line for `sluice --help`. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  run(argv: readonly string[], io: CliIo): Promise<void>;
}

/**
 * The lines shared by every command's help.
 *
 * @example
 * const HELP = `Usage: sluice topics …\n\n${COMMON_HELP}`;
 */
export const COMMON_HELP = `Common options:
  --url URL        HTTP API base URL (default: $SLUICE_URL or http://127.0.0.1:8080);
                   https endpoints are signed with SigV4 from the AWS credential chain
  --cluster ID     cluster id (default: the first one GET /v3/clusters lists)
  --json           machine-readable output on stdout
  -h, --help       this help`;
