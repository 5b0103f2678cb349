/**
 * `npm start` as a user runs it, for tests that drive the local backbone from outside: in its
 * own process group, with its own emulators, on free ports. Not used at run time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** A running `npm start`. */
export interface LocalBackbone {
  /** The HTTP API, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM to its process group (the orderly stop); resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `npm start` in the repository with `dataDir` as `SLUICE_DATA_DIR` and the given
 * `sluice.config.json`, and resolves once it says it is ready.
 *
 * @example
 * const backbone = await startLocalBackbone({ dataDir, configFile });
 * afterAll(() => backbone.stop());
 */
export async function startLocalBackbone(opts: {
  dataDir: string;
  configFile: string;
}): Promise<LocalBackbone> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    SLUICE_AWS_PORT: '0',
    SLUICE_DATA_DIR: opts.dataDir,
    SLUICE_CONFIG: opts.configFile,
  };
  delete env.AWS_ENDPOINT_URL; // its own emulators, as a user's `npm start`
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk;
      const ready = /ready at (http:\/\/\S+)/.exec(output);
      if (ready) resolve(ready[1]);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exited.then((code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
}
