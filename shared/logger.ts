/**
 * The one logger interface of Sluice: the core, the poller, the client's consumer and the
 * local backbone all report through it, and Powertools' `Logger` satisfies it as it is (its
 * attributes are a rest parameter, so a call passes fields or nothing — never `undefined`).
 */

/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/** Where a long-running part of Sluice reports what it does. */
export interface Logger {
  info(message: string, ...fields: LogFields[]): void;
  warn(message: string, ...fields: LogFields[]): void;
  error(message: string, ...fields: LogFields[]): void;
}

/** A logger that says nothing (tests, or a caller that reports through its own hooks). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Log lines on stderr, each tagged with who speaks (`speaker: message {fields}`); `info`
 * lines only when `verbose`, so a quiet process stays quiet.
 *
 * @example
 * const logger = stderrLogger('sluice poller');
 * logger.warn('heartbeat failed', { group: 'billing' }); // sluice poller: heartbeat failed { group: 'billing' }
 */
export function stderrLogger(speaker: string, options: { verbose?: boolean } = {}): Logger {
  const line = (message: string, fields: LogFields[]) =>
    console.error(`${speaker}: ${message}`, ...(fields.length > 0 ? [Object.assign({}, ...fields)] : []));
  return {
    info: (message, ...fields) => {
      if (options.verbose) line(message, fields);
    },
    warn: (message, ...fields) => line(message, fields),
    error: (message, ...fields) => line(message, fields),
  };
}

/**
 * An error as one log field: `Name: message` for an Error, the text for a string, JSON for
 * anything else.
 *
 * @example
 * logger.warn('batch failed', { error: describeError(new TypeError('x is not a function')) }); // "TypeError: x is not a function"
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
