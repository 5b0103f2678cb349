/**
 * The API side of `sluice console --url …`: every API call the console's page makes to its
 * own 127.0.0.1 origin is sent on to the deployed endpoint, signed there with the user's AWS
 * credentials, so the credentials stay in this process and never reach the browser.
 */

import type { RequestSigner } from '../../shared/client/sign';
import { UnavailableError } from '../../shared/errors';
import { errorResponse } from '../../shared/http/errors';
import type { HttpApi } from '../../shared/http/router';

/**
 * The request headers the HTTP API reads; nothing else the browser sends (cookies, its
 * origin, its user agent) leaves this machine.
 */
const FORWARDED_HEADERS = [
  'accept',
  'content-type',
  'sluice-producer-id',
  'sluice-producer-seq',
  'sluice-member-token',
];

/** Options of {@link createProxyApi}. */
export interface ProxyOptions {
  /** The deployed API's base URL (a stage path such as `/prod` is kept). */
  readonly target: URL;
  /** Signs each request; undefined sends it unsigned (a local target). */
  readonly sign?: RequestSigner;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** How long one call may take before the page gets a 503. @default 30000 */
  readonly timeoutMs?: number;
}

/**
 * An {@link HttpApi} that forwards each request to `target` and answers with what it answered.
 * A target that cannot be reached is a 503 in the API's own error shape, so the page shows it
 * like any other error.
 *
 * @example
 * const api = createProxyApi({ target: new URL('https://abc.execute-api.eu-west-1.amazonaws.com'), sign: createSigV4Signer() });
 */
export function createProxyApi(options: ProxyOptions): HttpApi {
  const send = options.fetch ?? globalThis.fetch;
  const basePath = options.target.pathname.replace(/\/+$/, '');
  return async (request) => {
    const url = new URL(options.target.origin);
    url.pathname = basePath + request.path;
    for (const [name, value] of Object.entries(request.query)) {
      if (value !== undefined) url.searchParams.append(name, value);
    }
    let headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const body = request.body.length > 0 ? request.body.toString('utf8') : undefined;
    try {
      if (options.sign) headers = await options.sign({ method: request.method, url, headers, body });
      const response = await send(url, {
        method: request.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const contentType = response.headers.get('content-type');
      return {
        status: response.status,
        headers: contentType ? { 'content-type': contentType } : {},
        body: await response.text(),
      };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return errorResponse(
        new UnavailableError(
          `The console could not reach the Sluice API at ${options.target.href}: ${reason}`,
        ),
      );
    }
  };
}
