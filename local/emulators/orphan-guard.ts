import { spawn } from 'node:child_process';

/**
 * Runs in a separate Node process, in its own process group, so it outlives a parent that
 * crashed or was SIGKILLed (even with its whole process group): the IPC channel then closes,
 * and the guard stops the emulators and deletes temporary data the parent can no longer
 * clean up. A string, because a child process cannot run TypeScript.
 */
const GUARD_SCRIPT = `
'use strict';
const { rmSync } = require('node:fs');
const pids = new Set();
const dirs = new Set();
const signal = (pid, sig) => { try { process.kill(pid, sig); return true; } catch { return false; } };
// Only the parent's fate ends the guard: not a terminal's Ctrl-C or hang-up, nor a TERM sent
// to the whole process group, which the parent may well survive long enough to stop cleanly.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {});
process.on('message', (m) => {
  if (m.watch) pids.add(m.watch);
  if (m.remove) dirs.add(m.remove);
  if (m.done) process.exit(0);
});
process.on('disconnect', () => {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  const check = () => {
    const alive = [...pids].filter((pid) => signal(pid, 0));
    if (alive.length > 0 && Date.now() < deadline) return setTimeout(check, 100);
    for (const pid of alive) signal(pid, 'SIGKILL');
    for (const dir of dirs) { try { rmSync(dir, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  };
  check();
});
`;

/** Cleans up after the harness if its process dies without calling `stop()`. */
export interface OrphanGuard {
  /** Stops this process (SIGTERM, then SIGKILL) if the parent dies. */
  watch(pid: number | undefined): void;
  /** Deletes this directory if the parent dies. */
  remove(dir: string): void;
  /** The parent cleaned up itself: let the guard exit without touching anything. */
  dispose(): void;
}

/**
 * Starts a guard process. It never keeps the parent's event loop alive.
 *
 * @example
 * const guard = startOrphanGuard();
 * guard.watch(java.pid);
 * // ... later, after stopping java yourself:
 * guard.dispose();
 */
export function startOrphanGuard(): OrphanGuard {
  const child = spawn(process.execPath, ['-e', GUARD_SCRIPT], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    detached: true,
  });
  child.unref();
  child.channel?.unref();
  // A guard that failed to start only costs the crash protection, never the harness.
  child.on('error', () => {});
  const send = (message: object, then: () => void = () => {}) => {
    if (child.connected) child.send(message, then);
  };
  return {
    watch(pid) {
      if (pid !== undefined) send({ watch: pid });
    },
    remove: (dir) => send({ remove: dir }),
    // Disconnecting only once `done` is flushed, so the guard never mistakes a clean stop for a crash.
    dispose: () => send({ done: true }, () => child.connected && child.disconnect()),
  };
}
