import type { ChildProcess } from 'node:child_process';

/**
 * Resolves once the child has exited, or with `false` after `timeoutMs`.
 *
 * @example
 * if (!(await waitForExit(child, 5_000))) child.kill('SIGKILL');
 */
export async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/**
 * Asks a child to stop with SIGTERM and forces SIGKILL if it has not exited after `graceMs`,
 * so a wedged JVM cannot hold up a test run's teardown.
 *
 * @example
 * await stopChild(java, { graceMs: 5_000 });
 */
export async function stopChild(child: ChildProcess, opts: { graceMs?: number } = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, opts.graceMs ?? 5_000)) return;
  child.kill('SIGKILL');
  await waitForExit(child, 5_000);
}
