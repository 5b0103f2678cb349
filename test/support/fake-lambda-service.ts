import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** JSON as a function receives and returns it, read freely by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: payloads and results are arbitrary JSON.
type Json = any;

/** What a function answered: its result, or the error its handler threw. */
export type FunctionAnswer =
  | { readonly ok: true; readonly result: Json }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

/** One Invoke call the fake Lambda service received, as the client sent it. */
export interface ReceivedInvocation {
  /** The request path, `/2015-03-31/functions/{name}/invocations`. */
  readonly path: string;
  readonly functionName: string;
  /**
   * The `X-Amz-Invocation-Type` header as sent — kept raw (not defaulted the way Lambda
   * defaults it) so a test can tell a client that asks for `RequestResponse` from one that
   * forgets to say.
   */
  readonly invocationType: string | undefined;
  /** The request body, parsed (`null` when empty). */
  readonly payload: Json;
}

/** A running fake Lambda service; point a `LambdaClient` (or `AWS_ENDPOINT_URL_LAMBDA`) at `endpoint`. */
export interface FakeLambdaService {
  readonly endpoint: string;
  /** Every Invoke call so far, oldest first. */
  readonly received: ReceivedInvocation[];
  close(): Promise<void>;
}

/**
 * A stand-in for the Lambda service's Invoke API (`POST /2015-03-31/functions/{name}/invocations`),
 * the one every test that goes through a real `LambdaClient` uses. It records every call. A
 * synchronous call is answered with what `answer` returns for it, in Lambda's shape: status
 * 200 with the result, or with the `X-Amz-Function-Error` header and `{errorType,
 * errorMessage}` when the handler threw. An asynchronous call (`Event`) is only recorded and
 * answered 202, as Lambda queues it. Anything else is a 404, so a client calling the wrong
 * operation fails loudly.
 *
 * @example
 * const lambda = await startFakeLambdaService(async () => ({ ok: true, result: { batchItemFailures: [] } }));
 * const client = new LambdaClient({ endpoint: lambda.endpoint, region: 'us-east-1' });
 */
export async function startFakeLambdaService(
  answer: (functionName: string, payload: Json) => Promise<FunctionAnswer>,
): Promise<FakeLambdaService> {
  const received: ReceivedInvocation[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(path);
      if (request.method !== 'POST' || !match) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: `no such operation: ${request.method} ${path}` }));
        return;
      }
      const functionName = decodeURIComponent(match[1]);
      const invocationType = request.headers['x-amz-invocation-type'] as string | undefined;
      const text = Buffer.concat(chunks).toString('utf8');
      const payload = text ? JSON.parse(text) : null;
      received.push({ path, functionName, invocationType, payload });
      if (invocationType === 'Event') {
        response.writeHead(202);
        response.end();
        return;
      }
      // Called inside a promise so that a synchronous throw of `answer` is a 500, not a crash.
      Promise.resolve()
        .then(() => answer(functionName, payload))
        .then(
          (outcome) => {
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (!outcome.ok) headers['x-amz-function-error'] = 'Unhandled';
            response.writeHead(200, headers);
            response.end(
              JSON.stringify(
                outcome.ok
                  ? outcome.result
                  : { errorType: outcome.errorType, errorMessage: outcome.errorMessage },
              ),
            );
          },
          (error: Error) => {
            response.writeHead(500, { 'content-type': 'application/json' });
            response.end(JSON.stringify({ message: error.message }));
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
