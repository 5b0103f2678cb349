/**
 * The one logger interface of Sluice: the core, the poller, the client's consumer and the
 * local backbone all report through it. Powertools' `Logger` satisfies it once wrapped by
 * `functions/poller/handler.ts` (it takes attributes as a rest parameter), and `console` fits
 * as it is.
 */

/** Where a long-running part of Sluice reports what it does. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that says nothing (tests, or a caller that reports through its own hooks). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Warnings and errors to stderr, each line tagged with who speaks; `info` is dropped, so a
 * quiet process stays quiet.
 *
 * @example
 * const logger = stderrLogger('sluice poller');
 * logger.warn('heartbeat failed', { group: 'billing' }); // "sluice poller: heartbeat failed { group: 'billing' }"
 */
export function stderrLogger(speaker: string): Logger {
  return {
    info: () => {},
    warn: (message, fields) => console.error(`${speaker}: ${message}`, fields ?? ''),
    error: (message, fields) => console.error(`${speaker}: ${message}`, fields ?? ''),
  };
}
