import { Readable } from 'node:stream';
import type { CliIo } from '../../cli';

/** A CLI's standard streams in memory: stdin from a string, stdout and stderr collected. */
export function memoryIo(
  stdin = '',
  env: NodeJS.ProcessEnv = {},
): CliIo & { out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    stdin: Readable.from(stdin === '' ? [] : [Buffer.from(stdin)]),
    stdout: {
      write: (chunk) => {
        stdout += chunk;
        return true;
      },
    },
    stderr: {
      write: (chunk) => {
        stderr += chunk;
        return true;
      },
    },
    env,
    out: () => stdout,
    err: () => stderr,
  };
}
