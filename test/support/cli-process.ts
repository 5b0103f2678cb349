/**
 * Runs `bin/sluice.js` as a user does: a child process with its own Node, stdin piped, its
 * exit code and both streams collected. Not used at run time.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'sluice.js');

/** What a run of the CLI printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Input written to stdin a chunk at a time, `everyMs` apart, like a pipe from a live source. */
export interface PacedInput {
  readonly chunks: readonly string[];
  readonly everyMs: number;
  /** Awaited after the first chunk, e.g. until the child is seen working (its start-up takes a while). */
  readonly afterFirst?: () => Promise<void>;
}

/** Options of {@link runSluice}. */
export interface CliRunOptions {
  /** Sent on stdin, then closed. @default '' */
  readonly stdin?: string | PacedInput;
  /** The whole environment of the child. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory. @default the current one */
  readonly cwd?: string;
}

/**
 * Runs `sluice …` in a child process.
 *
 * @example
 * const { code, stdout } = await runSluice(['topics', 'list'], { env: { ...process.env, SLUICE_URL: server.url } });
 */
export function runSluice(args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: options.env ?? process.env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (error?.killed) reject(new Error(`sluice ${args.join(' ')} timed out: ${stderr}`));
        else resolve({ code, stdout, stderr });
      },
    );
    const input = options.stdin ?? '';
    if (typeof input === 'string') {
      child.stdin?.end(input);
      return;
    }
    void (async () => {
      for (const [i, chunk] of input.chunks.entries()) {
        child.stdin?.write(chunk);
        if (i === 0) await input.afterFirst?.();
        await new Promise((wait) => setTimeout(wait, input.everyMs));
      }
      child.stdin?.end();
    })();
  });
}

/**
 * Sluice's own stderr lines, without the AWS SDK's Node-version notice (not Sluice's output).
 *
 * @example
 * expect(ownLines(run.stderr)).toBe('');
 */
export function ownLines(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('sluice'))
    .join('\n');
}
