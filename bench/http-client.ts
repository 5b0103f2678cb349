/**
 * The few HTTP calls the benchmark makes, through Node's global fetch (undici keeps
 * connections alive and pools them per origin, so each concurrent client reuses its own).
 */
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

/**
 * Creates a topic through the v3 API.
 *
 * @example
 * await createTopic(baseUrl, 'local', 'bench', 16);
 */
export async function createTopic(baseUrl: string, clusterId: string, name: string, partitions: number) {
  const response = await fetch(`${baseUrl}/v3/clusters/${clusterId}/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: name, partitions_count: partitions }),
  });
  if (response.status !== 201)
    throw new Error(`create topic ${name}: HTTP ${response.status} ${await response.text()}`);
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
export async function produceBatch(url: string, body: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (response.status !== 207) throw new Error(`produce: HTTP ${response.status} ${text.slice(0, 300)}`);
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
  const response = await fetch(`${url}?offset=${offset}&max_records=${maxRecords}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`fetch: HTTP ${response.status} ${text.slice(0, 300)}`);
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
