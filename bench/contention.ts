import { type Cluster, createCluster } from '../shared/cluster';
import { AwsRequestCounter } from '../shared/storage/aws';
import { payload } from './data';
import type { BenchHarness } from './harness';
import { nowMs, perSecond } from './stats';

/** Many writers appending to one partition through separate head caches. */
export interface ContentionResult {
  readonly producers: number;
  readonly commits: number;
  readonly commitsPerSec: number;
  /** Conditional PutItem calls that lost the race ÷ all PutItem calls. */
  readonly conflictRate: number;
  readonly putItemCalls: number;
  /** Appends that gave up after the log's commit-attempt limit (retriable errors). */
  readonly gaveUp: number;
  /** The message of the first append that failed, if any. */
  readonly firstFailure?: string;
  /** Whether the offsets acknowledged in the run are exactly first..first+commits−1. */
  readonly gapless: boolean;
  readonly elapsedMs: number;
}

/**
 * `producers` separate clusters (separate SDK clients and head caches, like separate warm
 * Lambda instances) append one record each call to ONE partition with `cluster.log.append`,
 * flat out, for `durationMs`. Every PutItem is counted; each successful commit is one of
 * them, every other one lost a race.
 *
 * @example
 * const contention = await measureContention(harness, { producers: 8, durationMs: 5000, recordBytes: 1024 });
 */
export async function measureContention(
  harness: BenchHarness,
  options: { producers: number; durationMs: number; recordBytes: number },
): Promise<ContentionResult> {
  const topicName = 'bench-contention';
  await harness.cluster.topics.create({ name: topicName, partitionCount: 1 });
  const counter = new AwsRequestCounter();
  const clusters: Cluster[] = Array.from({ length: options.producers }, () =>
    createCluster(harness.config, { counter }),
  );
  try {
    const topics = await Promise.all(clusters.map((cluster) => cluster.topics.get(topicName)));
    const value = payload(options.recordBytes, 1);
    const offsets: number[] = [];
    let gaveUp = 0;
    let firstFailure: string | undefined;
    counter.reset();
    const begin = nowMs();
    await Promise.all(
      clusters.map(async (cluster, i) => {
        while (nowMs() - begin < options.durationMs) {
          const [result] = await cluster.log.append(topics[i], [
            { key: null, value, headers: [], timestamp: Date.now(), partition: 0 },
          ]);
          if (result.ok) offsets.push(result.offset);
          else {
            gaveUp++;
            firstFailure ??= result.error.message;
          }
        }
      }),
    );
    const elapsedMs = nowMs() - begin;
    const putItemCalls = counter.count('DynamoDB.PutItem');
    const commits = offsets.length;
    offsets.sort((a, b) => a - b);
    return {
      producers: options.producers,
      commits,
      commitsPerSec: perSecond(commits, elapsedMs),
      conflictRate: putItemCalls > 0 ? (putItemCalls - commits) / putItemCalls : 0,
      putItemCalls,
      gaveUp,
      firstFailure,
      gapless: offsets.every((offset, i) => offset === offsets[0] + i),
      elapsedMs,
    };
  } finally {
    for (const cluster of clusters) {
      cluster.clients.s3.destroy();
      cluster.clients.dynamodb.destroy();
    }
  }
}
