/**
 * The CLI's view of the outside world, injected so tests run `main` in-process: data goes to
 * `stdout`, everything meant for a person to `stderr`.
 */

/** A writable text stream (process.stdout, or a test's collector). */
export interface Output {
  /** Returns false when the consumer should wait for `drain`. */
  write(chunk: string): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Everything the CLI touches. */
export interface CliIo {
  readonly stdin: AsyncIterable<string | Buffer>;
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C / SIGTERM: long-running commands finish cleanly. @default never */
  readonly signal?: AbortSignal;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Current directory for relative paths (`--handler`). @default process.cwd() */
  readonly cwd?: string;
}

/**
 * Writes one line, waiting for the stream to drain when it asks to, so a large consume piped
 * into a slow reader does not pile up in memory.
 *
 * @example
 * await writeLine(io.stdout, 'hello');
 */
export async function writeLine(out: Output, line: string): Promise<void> {
  if (!out.write(`${line}\n`) && out.once) {
    await new Promise<void>((resolve) => out.once?.('drain', resolve));
  }
}

/**
 * Splits a byte or text stream into lines (LF or CRLF), without the line ends. A last line
 * without a newline counts; the empty string after a final newline does not. Stops early
 * when `signal` aborts, even while waiting for input (Ctrl-C at an interactive prompt).
 *
 * @example
 * for await (const line of readLines(io.stdin, io.signal)) console.log(line);
 */
export async function* readLines(
  input: AsyncIterable<string | Buffer>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const chunks = input[Symbol.asyncIterator]();
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal?.aborted) resolve('aborted');
    signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  let rest = '';
  for (;;) {
    const next = await Promise.race([chunks.next(), aborted]);
    if (next === 'aborted') {
      await chunks.return?.();
      return;
    }
    if (next.done) break;
    const chunk = next.value;
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = rest.indexOf('\n');
    while (newline >= 0) {
      yield rest.slice(0, newline).replace(/\r$/, '');
      rest = rest.slice(newline + 1);
      newline = rest.indexOf('\n');
    }
  }
  rest += decoder.decode();
  if (rest !== '') yield rest.replace(/\r$/, '');
}
