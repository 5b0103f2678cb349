/**
 * The benchmark's own HTTP calls (topic creation, fetches, the end-to-end samples), through
 * `node:http` with a keep-alive agent: much less CPU per request than the global `fetch`
 * (undici). The produce rounds' load generator uses `raw-http.ts`, cheaper still.
 */
import { Agent, request } from 'node:http';
import { payload } from './data';

/** One delivery report of a `records:batch` answer. */
interface BatchSuccess {
  readonly id: string;
  readonly partition_id: number;
  readonly offset: number;
}

/** The records a fetch returned, and where to continue. */
export interface FetchedPage {
  readonly count: number;
  readonly nextOffset: number;
  readonly logEndOffset: number;
}

/** A response's status and body. */
interface Answer {
  readonly status: number;
  readonly text: string;
}

/** Keep-alive connections for the benchmark's sequential calls. */
const defaultAgent = new Agent({ keepAlive: true });

/**
 * Sends one request and reads the whole answer.
 *
 * @example
 * const { status, text } = await send('http://127.0.0.1:8080/v3/clusters', 'GET');
 */
export function send(
  url: string,
  method: string,
  body?: string | Buffer,
  agent: Agent = defaultAgent,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      agent,
      headers:
        body === undefined
          ? headers
          : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.end(body);
  });
}

/**
 * Creates a topic through the v3 API.
 *
 * @example
 * await createTopic(baseUrl, 'local', 'bench', 16);
 */
export async function createTopic(baseUrl: string, clusterId: string, name: string, partitions: number) {
  const { status, text } = await send(
    `${baseUrl}/v3/clusters/${clusterId}/topics`,
    'POST',
    JSON.stringify({ topic_name: name, partitions_count: partitions }),
  );
  if (status !== 201) throw new Error(`create topic ${name}: HTTP ${status} ${text}`);
}

/**
 * Builds a `records:batch` body of `count` BINARY records of `bytes` random-looking bytes each,
 * all pinned to `partition` (or placed by the partitioner when undefined).
 *
 * @example
 * const body = batchBody(10, 1024, 3);
 */
export function batchBody(count: number, bytes: number, partition?: number): string {
  const entries = Array.from({ length: count }, (_, i) => ({
    id: String(i),
    ...(partition === undefined ? {} : { partition_id: partition }),
    value: { type: 'BINARY', data: payload(bytes, i).toString('base64') },
  }));
  return JSON.stringify({ entries });
}

/**
 * Sends one `records:batch` request; resolves the base offset of the batch, and throws
 * unless every record was appended.
 *
 * @example
 * const offset = await produceBatch(url, body);
 */
export async function produceBatch(url: string, body: string | Buffer, agent?: Agent): Promise<number> {
  const { status, text } = await send(url, 'POST', body, agent);
  return checkBatchAnswer(status, text);
}

/**
 * Checks a `records:batch` answer: resolves the base offset of the batch, and throws unless
 * every record was appended.
 *
 * @example
 * checkBatchAnswer(207, '{"successes":[{"id":"0","offset":7}],"failures":[]}'); // 7
 */
export function checkBatchAnswer(status: number, text: string): number {
  if (status !== 207) throw new Error(`produce: HTTP ${status} ${text.slice(0, 300)}`);
  const result = JSON.parse(text) as { successes: BatchSuccess[]; failures: unknown[] };
  if (result.failures.length > 0) throw new Error(`produce: ${JSON.stringify(result.failures[0])}`);
  return result.successes[0].offset;
}

/**
 * Reads one partition from `offset` through the fetch endpoint.
 *
 * @example
 * const page = await fetchPage(`${base}/v3/clusters/local/topics/t/partitions/0/records`, 0, 10);
 */
export async function fetchPage(url: string, offset: number, maxRecords: number): Promise<FetchedPage> {
  const { status, text } = await send(`${url}?offset=${offset}&max_records=${maxRecords}`, 'GET');
  if (status !== 200) throw new Error(`fetch: HTTP ${status} ${text.slice(0, 300)}`);
  const page = JSON.parse(text) as { records: unknown[]; next_offset: number; log_end_offset: number };
  return { count: page.records.length, nextOffset: page.next_offset, logEndOffset: page.log_end_offset };
}

/** URLs of one topic's produce and fetch endpoints. */
export function topicUrls(baseUrl: string, clusterId: string, topic: string) {
  const base = `${baseUrl}/v3/clusters/${clusterId}/topics/${topic}`;
  return {
    batch: `${base}/records:batch`,
    partition: (p: number) => `${base}/partitions/${p}/records`,
  };
}
