/**
 * The local backbone (`npm start`, or its entry point `local/start.ts` run by node) as a user
 * runs it, for tests that drive it from outside: in its own process group, as a shell starts a
 * foreground job, with its own emulators, on free ports. The one way tests start it. Not used
 * at run time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** How a started backbone ended: the exit code, or the signal that ended it. */
export interface BackboneExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running local backbone. */
export interface LocalBackbone {
  /** The HTTP API, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The AWS endpoint of its emulators, as it printed it for `export AWS_ENDPOINT_URL=…`. */
  readonly awsEndpoint: string | undefined;
  /** The process started: npm, or node for `command: 'node'`; it leads its process group. */
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once the started process has exited. */
  readonly exited: Promise<BackboneExit>;
  /**
   * Sends `signal` to its whole process group (`'group'`, as a terminal does on Ctrl-C) or to
   * the started process alone (`'process'`), and resolves once that process has exited and all
   * it printed has been read into {@link LocalBackbone.output}. Only waits if it has already
   * exited.
   */
  stop(signal?: NodeJS.Signals, target?: 'group' | 'process'): Promise<BackboneExit>;
}

/** What to start and where. */
export interface LocalBackboneOptions {
  /** `SLUICE_DATA_DIR`: where it keeps its data. */
  dataDir: string;
  /** `SLUICE_CONFIG`; without it, the default `sluice.config.json` in the repository is used. */
  configFile?: string;
  /** `npm start` (the default), or node running `local/start.ts` directly. */
  command?: 'npm start' | 'node';
  /** More environment, over the defaults (`PORT=0`, `SLUICE_AWS_PORT=0`). */
  env?: NodeJS.ProcessEnv;
}

/** The started process, its output so far and its end; shared by both ways to run it. */
function spawnLocalBackbone(opts: LocalBackboneOptions) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    SLUICE_AWS_PORT: '0', // any free port: other runs may hold the default one
    SLUICE_DATA_DIR: opts.dataDir,
    SLUICE_CONFIG: opts.configFile,
    ...opts.env,
  };
  if (opts.configFile === undefined) delete env.SLUICE_CONFIG;
  delete env.AWS_ENDPOINT_URL; // its own emulators, as a user's `npm start`
  const [file, args] =
    opts.command === 'node'
      ? [process.execPath, ['--import', 'tsx', 'local/start.ts']]
      : ['npm', ['start', '--silent']];
  const child: ChildProcess = spawn(file, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const printed = { output: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => {
    printed.output += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    printed.output += chunk;
    printed.stderr += chunk;
  });
  const exited = new Promise<BackboneExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // 'close' comes after 'exit', once its output pipes are drained (the emulators and the
  // orphan guard print elsewhere, so nothing outlives the group holding them).
  const drained = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { file, child, printed, exited, drained };
}

/**
 * Runs the local backbone to its end, for starts that must fail (a wrong config ends it before
 * any emulator starts), and resolves with how it ended and what it printed.
 *
 * @example
 * const { exit, stderr } = await runLocalBackboneToEnd({ dataDir, configFile, command: 'node' });
 */
export async function runLocalBackboneToEnd(
  opts: LocalBackboneOptions,
): Promise<{ exit: BackboneExit; output: string; stderr: string }> {
  const { printed, exited, drained } = spawnLocalBackbone(opts);
  const exit = await exited;
  await drained;
  return { exit, ...printed };
}

/**
 * Starts the local backbone in the repository and resolves once it prints that it is ready;
 * rejects with its output if it exits first.
 *
 * @example
 * const backbone = await startLocalBackbone({ dataDir, configFile });
 * afterAll(() => backbone.stop());
 */
export async function startLocalBackbone(opts: LocalBackboneOptions): Promise<LocalBackbone> {
  const { file, child, printed, exited, drained } = spawnLocalBackbone(opts);
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const ready = /ready at (http:\/\/\S+)/.exec(printed.output);
      if (ready) resolve(ready[1]);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void exited.then(({ code, signal }) =>
      reject(new Error(`${file} exited with ${code ?? signal} before it was ready:\n${printed.output}`)),
    );
  });
  const pid = child.pid as number;
  return {
    url,
    awsEndpoint: /export AWS_ENDPOINT_URL=(\S+)/.exec(printed.output)?.[1],
    pid,
    output: () => printed.output,
    exited,
    async stop(signal = 'SIGTERM', target = 'group') {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(target === 'group' ? -pid : pid, signal);
      }
      const exit = await exited;
      await drained;
      return exit;
    },
  };
}
