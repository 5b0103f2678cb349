import { type Cluster, type ClusterOptions, createCluster } from '../../../shared/cluster';
import type { ProducedRecord } from '../../../shared/codec/types';
import { configFromEnv } from '../../../shared/config';
import { createHttpApi, type HttpApi } from '../../../shared/http/router';
import type { HttpRequest } from '../../../shared/http/types';
import type { Topic } from '../../../shared/topics/registry';
import { uniqueName } from '../../support/names';
import { checkedApi } from '../../support/openapi';

/** JSON answers as tests read them: loosely, field by field. */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on the shape, so a loose type reads best
export type Json = any;

export { uniqueName } from '../../support/names';

/** A cluster on the emulators the global setup started (a fresh head cache each call). */
export function newCluster(options: ClusterOptions = {}): Cluster {
  return createCluster(configFromEnv(), options);
}

export async function newTopic(cluster: Cluster, partitionCount = 1, prefix = 'topic'): Promise<Topic> {
  return cluster.topics.create({ name: uniqueName(prefix), partitionCount });
}

export function textRecord(
  value: string,
  key: string | null = null,
  partition?: number,
): ProducedRecord & { partition?: number } {
  return {
    key: key === null ? null : Buffer.from(key),
    value: Buffer.from(value),
    headers: [],
    timestamp: Date.now(),
    partition,
  };
}

/** Reads a whole partition, from its log start to its readable end, through the core fetch path. */
export async function readAll(cluster: Cluster, topic: Topic, partition: number) {
  const records = [];
  let offset = (await cluster.log.offsets(topic, partition)).logStartOffset;
  for (;;) {
    const page = await cluster.log.fetch({ topic, partition, offset, maxRecords: 1000 });
    records.push(...page.records);
    if (page.nextOffset >= page.logEndOffset) return records;
    if (page.nextOffset === offset) throw new Error(`The fetch at ${offset} made no progress.`);
    offset = page.nextOffset;
  }
}

/**
 * Sends requests to an HttpApi the way the local server and the Lambda handler do. Every
 * answer is checked against docs/openapi.yaml: one the document does not describe throws.
 */
export function httpClient(uncheckedApi: HttpApi) {
  const api = checkedApi(uncheckedApi);
  return async (
    method: string,
    pathWithQuery: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Json; text: string }> => {
    const url = new URL(pathWithQuery, 'http://localhost');
    const raw =
      body === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(body)
          ? body
          : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const request: HttpRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { 'content-type': 'application/json', ...lower(headers) },
      body: raw,
    };
    const response = await api(request);
    let parsed: unknown;
    try {
      parsed = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text: response.body };
  };
}

export function newApi(cluster: Cluster = newCluster()) {
  return httpClient(createHttpApi(cluster));
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The two ways a produce's section is stored, for suites that must hold under both. */
export const SLOT_STORAGE = [
  { name: 'sections inline in their slots (default threshold)', inline: true, thresholdEnv: undefined },
  { name: 'sections in S3 segment objects (threshold 0)', inline: false, thresholdEnv: '0' },
] as const;

export type SlotStorage = (typeof SLOT_STORAGE)[number];

/**
 * Runs `body` once per {@link SLOT_STORAGE}: while a block runs, every `newCluster` (and every
 * child process started with this environment) uses its inline threshold.
 */
export function describeEachSlotStorage(title: string, body: (storage: SlotStorage) => void): void {
  for (const storage of SLOT_STORAGE) {
    describe(`${title}, ${storage.name}`, () => {
      const before = process.env.SLUICE_INLINE_SECTION_MAX_BYTES;
      beforeAll(() => {
        if (storage.thresholdEnv === undefined) delete process.env.SLUICE_INLINE_SECTION_MAX_BYTES;
        else process.env.SLUICE_INLINE_SECTION_MAX_BYTES = storage.thresholdEnv;
      });
      afterAll(() => {
        if (before === undefined) delete process.env.SLUICE_INLINE_SECTION_MAX_BYTES;
        else process.env.SLUICE_INLINE_SECTION_MAX_BYTES = before;
      });
      body(storage);
    });
  }
}

/** A cluster that stores every section in S3 (threshold 0), for tests about segment objects. */
export function newS3Cluster(options: ClusterOptions = {}): Cluster {
  return createCluster(configFromEnv(), { ...options, log: { inlineSectionMaxBytes: 0, ...options.log } });
}
