/**
 * Loads a Lambda-style handler from a file for `sluice run-consumer`: `.js`/`.cjs`/`.ts`
 * through `require` (tsx's hook compiles TypeScript when run by bin/sluice.js), `.mjs`/`.mts`
 * and ES-module `.js` through tsx's ESM loader.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './args';

/** A handler as Lambda calls it: `(event, context)`, async or with a callback. */
export type LambdaHandler = (
  event: unknown,
  context: unknown,
  callback?: (error: unknown, result?: unknown) => void,
) => unknown;

/**
 * Splits `FILE[:export]` (default export name `handler`, as in Lambda's `file.handler`).
 * A Windows drive letter (`C:\…`) is not taken for an export name.
 *
 * @example
 * parseHandlerSpec('functions/orders.ts:onOrder'); // { file: 'functions/orders.ts', exportName: 'onOrder' }
 */
export function parseHandlerSpec(spec: string): { file: string; exportName: string } {
  const match = /^(.+):([A-Za-z_$][\w$]*)$/.exec(spec);
  if (match && match[1].length > 1) return { file: match[1], exportName: match[2] };
  return { file: spec, exportName: 'handler' };
}

/**
 * Loads the handler and adapts it to the poller: one argument in, a promise out, with a
 * Lambda-like context and callback-style handlers supported.
 *
 * @example
 * const handler = await loadHandler('functions/examples/order-handler.ts', process.cwd(), 'orders-app');
 * await handler({ eventSource: 'SelfManagedKafka', bootstrapServers: 'x', records: {} });
 */
export async function loadHandler(
  spec: string,
  cwd: string,
  group: string,
): Promise<(event: unknown) => Promise<unknown>> {
  const { file, exportName } = parseHandlerSpec(spec);
  const path = resolve(cwd, file);
  if (!existsSync(path))
    throw new UsageError(`Handler file ${path} does not exist: pass --handler FILE[:export].`);
  const loaded = (await importModule(path)) as Record<string, unknown> & {
    default?: Record<string, unknown>;
  };
  const fn = loaded[exportName] ?? loaded.default?.[exportName];
  if (typeof fn !== 'function') {
    const names = Object.keys(loaded).filter((k) => typeof loaded[k] === 'function');
    throw new UsageError(
      `${file} exports no function "${exportName}"${names.length ? ` (it exports ${names.join(', ')})` : ''}: pass --handler ${file}:<name>.`,
    );
  }
  const handler = fn as LambdaHandler;
  return (event) => invoke(handler, event, group);
}

async function importModule(path: string): Promise<unknown> {
  if (/\.m[jt]s$/.test(path)) return esmImport(path);
  try {
    // `require` keeps jest's and tsx's CommonJS hooks in the loop for .js and .ts files.
    return require(path);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_REQUIRE_ESM') return esmImport(path);
    throw error;
  }
}

/** A variable, because this repository's `moduleResolution` cannot see tsx's `exports` map. */
const TSX_ESM_API = 'tsx/esm/api';

async function esmImport(path: string): Promise<unknown> {
  const { tsImport } = (await import(TSX_ESM_API)) as {
    tsImport(specifier: string, parentUrl: string): Promise<unknown>;
  };
  return tsImport(pathToFileURL(path).href, pathToFileURL(__filename).href);
}

function invoke(handler: LambdaHandler, event: unknown, group: string): Promise<unknown> {
  const context = {
    functionName: `sluice-run-consumer-${group}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: '',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '',
    logStreamName: '',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 900_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  // A handler declaring a third parameter is callback-style (Lambda's older convention).
  if (handler.length >= 3) {
    return new Promise((resolvePromise, reject) => {
      const result = handler(event, context, (error, value) =>
        error ? reject(error) : resolvePromise(value),
      );
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(resolvePromise, reject);
      }
    });
  }
  return Promise.resolve(handler(event, context));
}
