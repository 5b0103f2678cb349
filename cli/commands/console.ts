/** `sluice console`: the web console on this machine, for a deployed (or any) Sluice API. */
import type { AddressInfo } from 'node:net';
import { buildConsoleAssets, CONSOLE_PATH, withConsole } from '../../console/server/assets';
import { createProxyApi } from '../../console/server/proxy';
import { createSigV4Signer, shouldSign } from '../../shared/client/sign';
import { configFromEnv } from '../../shared/config';
import { createNodeServer } from '../../shared/http/node-server';
import { integer, parse, positional, UsageError } from '../args';
import type { Command } from '../command';
import { writeLine } from '../io';

const HELP = `Usage: sluice console [--url URL] [--port N] [--sign]

Serves the web console on http://127.0.0.1:PORT/console/ and sends its API calls on to URL.
Calls to an https endpoint are signed with SigV4 (service execute-api, or lambda for a
function URL, *.lambda-url.REGION.on.aws) from the AWS credential chain, in this process:
the credentials never reach the browser. Open the printed address; Ctrl-C stops it.

Options:
  --url URL        the Sluice HTTP API (default: $SLUICE_URL or http://127.0.0.1:8080)
  --port N         the local port (default 8081; 0 picks a free one)
  --sign           sign every call, even to http or this machine (e.g. through a tunnel)
  -h, --help       this help

Examples:
  sluice console --url https://abc123.execute-api.eu-west-1.amazonaws.com
  AWS_PROFILE=ops AWS_REGION=eu-west-1 sluice console --url https://abc123.execute-api.eu-west-1.amazonaws.com --port 9000

With npm start the console is already served beside the API: http://127.0.0.1:8080/console/`;

const OPTIONS = {
  port: { type: 'string' },
  sign: { type: 'boolean', default: false },
} as const;

/**
 * The `console` command.
 *
 * @example
 * await consoleCommand.run(['--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com'], io);
 */
export const consoleCommand: Command = {
  name: 'console',
  summary: 'serve the web console for a Sluice API on 127.0.0.1 (signing calls to AWS)',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parse(argv, OPTIONS, 'console');
    if (values.help) {
      await writeLine(io.stdout, HELP);
      return;
    }
    positional(positionals, [], 'console');
    if (values.cluster !== undefined || values.json) {
      throw new UsageError('sluice console takes --url, --port and --sign (see: sluice console --help)');
    }
    const raw = (values.url as string | undefined) ?? io.env.SLUICE_URL ?? 'http://127.0.0.1:8080';
    let target: URL;
    try {
      target = new URL(raw);
    } catch {
      throw new UsageError(`--url must be an http or https URL, got "${raw}" (see: sluice console --help)`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new UsageError(`--url must be an http or https URL, got "${raw}" (see: sluice console --help)`);
    }
    const port = integer(values, 'port', 8081, 'console') as number;
    if (port > 65_535)
      throw new UsageError(`--port must be at most 65535, got ${port} (see: sluice console --help)`);
    const signed = values.sign === true || shouldSign(target);

    const assets = await buildConsoleAssets();
    const api = createProxyApi({ target, sign: signed ? createSigV4Signer() : undefined, fetch: io.fetch });
    const server = createNodeServer({
      api: withConsole(api, assets),
      maxRequestBytes: configFromEnv({}).maxRequestBytes,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
            ? new UsageError(`Port ${port} is taken: choose another with --port (0 picks a free one)`)
            : error,
        ),
      );
      server.listen(port, '127.0.0.1', resolve);
    });
    const { port: actual } = server.address() as AddressInfo;
    await writeLine(io.stdout, `Sluice console at http://127.0.0.1:${actual}${CONSOLE_PATH}`);
    await writeLine(
      io.stderr,
      `API calls go to ${target.href}${signed ? ', signed with SigV4 from your AWS credentials' : ' unsigned'}. Ctrl-C stops.`,
    );
    await new Promise<void>((resolve) => {
      if (io.signal?.aborted) resolve();
      io.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  },
};
