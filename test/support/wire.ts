/**
 * One HTTP request to a test server over a real socket, as an outside client sends it: the
 * tests of the Confluent-shaped routes read the status, the answer's media type and its JSON.
 */
import { request as httpRequest } from 'node:http';
import { uniqueName } from './names';

/** What came back: the status, the answer's `Content-Type` and its parsed JSON body (undefined when empty). */
export interface WireAnswer {
  readonly status: number;
  readonly type: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary answer shapes
  readonly body: any;
}

/** Confluent v2's media type, which the v2 routes read and answer. */
export const V2_MEDIA_TYPE = 'application/vnd.kafka.v2+json';

/**
 * Sends `body` as JSON to `server.url + path`. Unless `headers` name another, the body's
 * `Content-Type` is the one the route reads: `application/json` on the v3 routes, Confluent
 * v2's media type elsewhere. A GET may carry a body (Confluent's committed-offsets read sends one).
 *
 * @example
 * const created = await callOverWire(server, 'POST', '/consumers/billing', { name: 'a', format: 'json' });
 * expect([created.status, created.type]).toEqual([200, V2_MEDIA_TYPE]);
 */
export function callOverWire(
  server: { readonly url: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<WireAnswer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const bodyHeaders = payload
    ? {
        'content-type': path.startsWith('/v3/') ? 'application/json' : V2_MEDIA_TYPE,
        'content-length': String(payload.length),
      }
    : {};
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${server.url}${path}`,
      { method, headers: { ...bodyHeaders, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            body: text === '' ? undefined : JSON.parse(text),
          });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/**
 * Creates a topic named after `prefix` through the v3 API over the wire and answers its name;
 * fails the test unless it was created.
 *
 * @example
 * const topic = await createTopicOverWire(server, 'orders', 2, [{ name: 'retention.ms', value: '3600000' }]);
 */
export async function createTopicOverWire(
  server: { readonly url: string },
  prefix: string,
  partitions: number,
  configs: readonly { readonly name: string; readonly value: string }[] = [],
): Promise<string> {
  const name = uniqueName(prefix);
  const created = await callOverWire(server, 'POST', '/v3/clusters/local/topics', {
    topic_name: name,
    partitions_count: partitions,
    ...(configs.length > 0 ? { configs } : {}),
  });
  if (created.status !== 201) {
    throw new Error(`creating topic ${name} answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  return name;
}
