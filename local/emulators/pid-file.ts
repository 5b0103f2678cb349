import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../../shared/retry';

/** Name of the file, inside a persistent data directory, that lists the running emulators. */
export const PID_FILE = 'emulators.pid';

/**
 * The last line of defence against an emulator outliving its harness: the harness writes the
 * emulators' pids into `<dataDir>/emulators.pid` and deletes the file on stop. The orphan
 * guard normally stops emulators whose harness died; if the guard died too (`kill -9` of
 * both), the next start with the same data directory finds the file and stops what is
 * still running there before it starts its own emulators on the same files.
 *
 * @example
 * await stopLeftoverEmulators('.sluice');
 * writePidFile('.sluice', [java.pid]);
 * // ... on stop:
 * removePidFile('.sluice');
 */
export async function stopLeftoverEmulators(dataDir: string, log: (line: string) => void): Promise<void> {
  let pids: number[];
  try {
    pids = JSON.parse(readFileSync(join(dataDir, PID_FILE), 'utf8')).pids;
  } catch {
    return;
  }
  // A pid may have been reused: only a process whose command line names this directory is ours.
  const leftovers = (Array.isArray(pids) ? pids : []).filter(
    (pid) => Number.isSafeInteger(pid) && commandLine(pid)?.includes(dataDir),
  );
  for (const pid of leftovers) {
    log(`stopping an emulator (pid ${pid}) left running on ${dataDir} by an earlier start`);
    signal(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 5_000;
  while (leftovers.some(alive) && Date.now() < deadline) await sleep(100);
  for (const pid of leftovers.filter(alive)) signal(pid, 'SIGKILL');
  removePidFile(dataDir);
}

/** Records the emulators running on `dataDir`. */
export function writePidFile(dataDir: string, pids: readonly number[]): void {
  writeFileSync(join(dataDir, PID_FILE), `${JSON.stringify({ pids })}\n`);
}

/** Forgets the emulators of `dataDir`: they were stopped. */
export function removePidFile(dataDir: string): void {
  rmSync(join(dataDir, PID_FILE), { force: true });
}

function commandLine(pid: number): string | undefined {
  if (!alive(pid)) return undefined;
  try {
    // Linux: the whole command line; elsewhere `ps`.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    // Not Linux.
  }
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  return signal(pid, 0);
}

function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
