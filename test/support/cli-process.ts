/**
 * Runs `bin/sluice.js` as a user does: a child process with its own Node, stdin piped, its
 * exit code and both streams collected. Not used at run time.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'sluice.js');

/** What a run of the CLI printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Input written to stdin a chunk at a time, `everyMs` apart, like a pipe from a live source.
 * A process of its own writes it (as `tail -f … | sluice produce` would), so the pace does not
 * slow down while the test's in-process server is busy on the same event loop.
 */
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
  const input = options.stdin ?? '';
  if (typeof input !== 'string') return runPiped(args, input, options);
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: options.env ?? process.env, timeout: TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (error?.killed) reject(new Error(`sluice ${args.join(' ')} timed out: ${stderr}`));
        else resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

const TIMEOUT_MS = 60_000;

/**
 * The source process of a {@link PacedInput}: reads `{chunks, everyMs}` as its first line,
 * writes the first chunk, waits for a second line (the go-ahead), then writes the rest.
 */
const PACED_SOURCE = `
const lines = require('node:readline').createInterface({ input: process.stdin });
let paced;
lines.on('line', async (line) => {
  if (!paced) {
    paced = JSON.parse(line);
    process.stdout.write(paced.chunks[0]);
    return;
  }
  for (const chunk of paced.chunks.slice(1)) {
    await new Promise((wait) => setTimeout(wait, paced.everyMs));
    process.stdout.write(chunk);
  }
  process.stdout.end();
  lines.close();
});
`;

/** Runs `sluice …` with its stdin piped from a source process pacing `input`. */
function runPiped(args: readonly string[], input: PacedInput, options: CliRunOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const source = spawn(process.execPath, ['-e', PACED_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] });
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [source.stdout, 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => {
      source.kill('SIGKILL');
      child.kill('SIGKILL');
      reject(new Error(`sluice ${args.join(' ')} timed out: ${stderr}`));
    }, TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      source.kill();
      resolve({ code: code ?? 1, stdout, stderr });
    });
    source.stdin.write(`${JSON.stringify({ chunks: input.chunks, everyMs: input.everyMs })}\n`);
    void (async () => {
      await input.afterFirst?.();
      source.stdin.end('go\n');
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
