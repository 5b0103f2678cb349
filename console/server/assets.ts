/**
 * The console's files, built in memory when a server starts (esbuild bundles the Preact app
 * in well under a second), and the wrapper that serves them under `/console/` beside an
 * {@link HttpApi}. Nothing is written to disk, so a fresh checkout's `npm start` serves the
 * console as it is in the working tree, and there is no build output to go stale.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HttpApi } from '../../shared/http/router';
import type { HttpResponse } from '../../shared/http/types';

/** Where the console is served: its pages talk to the API on the same origin. */
export const CONSOLE_PATH = '/console/';

const APP_DIR = join(__dirname, '..', 'app');

/** One file of the console, ready to send. */
export interface ConsoleFile {
  readonly contentType: string;
  readonly body: string;
}

/** The console's files by name (`index.html`, `app.js`, `style.css`). */
export type ConsoleAssets = ReadonlyMap<string, ConsoleFile>;

/**
 * Bundles the browser app (`console/app/main.tsx` with Preact) and reads its page and style.
 *
 * @example
 * const assets = await buildConsoleAssets();
 * assets.get('app.js')?.body.length; // the minified bundle
 */
export async function buildConsoleAssets(): Promise<ConsoleAssets> {
  // Loaded here, not at the top: only the servers that show the console pay for esbuild.
  const esbuild = await import('esbuild');
  let bundle: string;
  try {
    const result = await esbuild.build({
      entryPoints: [join(APP_DIR, 'main.tsx')],
      bundle: true,
      write: false,
      minify: true,
      format: 'iife',
      target: ['es2020'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      outfile: 'app.js',
      logLevel: 'silent',
      legalComments: 'none',
    });
    bundle = result.outputFiles[0].text;
  } finally {
    // The bundle is built once: a long-running server keeps no esbuild process around.
    await esbuild.stop();
  }
  const [html, css] = await Promise.all([
    readFile(join(APP_DIR, 'index.html'), 'utf8'),
    readFile(join(APP_DIR, 'style.css'), 'utf8'),
  ]);
  return new Map<string, ConsoleFile>([
    ['index.html', { contentType: 'text/html; charset=utf-8', body: html }],
    ['app.js', { contentType: 'text/javascript; charset=utf-8', body: bundle }],
    ['style.css', { contentType: 'text/css; charset=utf-8', body: css }],
  ]);
}

/**
 * The page may load only its own script and style and talk only to its own origin; no other
 * site may frame it (a framed console could be clicked through by the framing page).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * Serves the console's files for `GET /console/…` and passes every other request to `api`.
 * It wraps the API rather than the server, so whatever the server checks first (the local
 * server's Host and Origin rules) applies to the console's pages too.
 *
 * @example
 * const server = createNodeServer({ api: withConsole(createHttpApi(cluster), assets), maxRequestBytes });
 */
export function withConsole(api: HttpApi, assets: ConsoleAssets): HttpApi {
  return async (request) => {
    if (request.path === CONSOLE_PATH.slice(0, -1)) {
      return { status: 308, headers: { location: CONSOLE_PATH }, body: '' };
    }
    if (!request.path.startsWith(CONSOLE_PATH)) return api(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return plain(405, 'The console serves pages only: GET or HEAD.', { allow: 'GET, HEAD' });
    }
    const name = request.path.slice(CONSOLE_PATH.length) || 'index.html';
    const file = assets.get(name);
    if (!file) return plain(404, `The console has no file "${name}".`);
    return {
      status: 200,
      headers: { 'content-type': file.contentType, ...SECURITY_HEADERS },
      body: file.body,
    };
  };
}

function plain(status: number, text: string, extra: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS, ...extra },
    body: text,
  };
}
