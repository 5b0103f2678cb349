import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Keeps the last lines a child process printed, to explain why it failed to start. */
export interface OutputTail {
  /** Feeds the tail from a stream, passing each line (with `prefix`) on to `log` too. */
  follow(stream: Readable | null, prefix: string): void;
  /** The kept lines, oldest first, joined by newlines. */
  text(): string;
}

/**
 * Creates an {@link OutputTail} holding at most `limit` lines.
 *
 * @example
 * const tail = createOutputTail({ limit: 20, log: console.log });
 * tail.follow(child.stderr, '[dynamodb] ');
 */
export function createOutputTail(opts: { limit?: number; log?: (line: string) => void } = {}): OutputTail {
  const limit = opts.limit ?? 20;
  const lines: string[] = [];
  return {
    follow(stream, prefix) {
      if (!stream) return;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        lines.push(line);
        if (lines.length > limit) lines.shift();
        opts.log?.(`${prefix}${line}`);
      });
    },
    text: () => lines.join('\n'),
  };
}
