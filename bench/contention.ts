/**
 * Write contention: N writers flat out on ONE partition, Sluice beside the raw chain that
 * stands for one append, at each writer count of the plan. The writers run in the server
 * worker; this module holds both the worker's side (the pools) and the parent's (rounds).
 */
import { type Cluster, createCluster } from '../shared/cluster';
import type { SluiceConfig } from '../shared/config';
import { AwsRequestCounter } from '../shared/storage/aws';
import type { Topic } from '../shared/topics/registry';
import type { ChainKind } from './baseline';
import { payload } from './data';
import type { BenchHarness } from './harness';
import { createTopic } from './http-client';
import type { BenchPlan } from './plan';
import { cpuMicros, cpuPerOp, interleave, medianRound, type Round } from './rounds';
import { nowMs, perSecond } from './stats';

/** One round of Sluice appends on one partition. */
export interface ContentionRound {
  readonly commits: number;
  readonly opsPerSec: number;
  readonly elapsedMs: number;
  /** Appends that returned a retriable error (the log gave up; the client may resend). */
  readonly gaveUp: number;
  /** Appends that failed otherwise. */
  readonly failed: number;
  readonly firstFailure?: string;
  /** Offset ranges the log voided during the round (0 until the log reports them). */
  readonly voided: number;
  /** AWS calls of the round, by `Service.Command`. */
  readonly calls: Record<string, number>;
  readonly cpuUs: number;
}

/** What the acknowledged offsets of all rounds of one writer count look like. */
export interface OffsetCheck {
  readonly acknowledged: number;
  /** Offsets acknowledged more than once: must be 0. */
  readonly duplicates: number;
  /** Offsets between the first and last acknowledged one that no append acknowledged. */
  readonly holes: number;
}

/** Writers appending to one partition through separate clusters, kept warm across rounds. */
export interface ContentionPool {
  round(maxMs: number): Promise<ContentionRound>;
  /** Destroys the clients and checks the offsets acknowledged over all rounds. */
  close(): OffsetCheck;
}

/**
 * `producers` separate clusters (separate SDK clients, like separate warm
 * Lambda instances) that append one record per call to partition 0 of `topicName` with
 * `cluster.log.append`. Runs in the server worker.
 *
 * @example
 * const pool = await createContentionPool(config, 'bench-contention-8', 8, 1024);
 */
export async function createContentionPool(
  config: SluiceConfig,
  topicName: string,
  producers: number,
  recordBytes: number,
): Promise<ContentionPool> {
  const counter = new AwsRequestCounter();
  // Ranges voided by any writer of the pool: its own failed appends, or ranges it found open too long.
  let voidedTotal = 0;
  const observer = {
    onVoid: ({ outcome }: { outcome: string }) => {
      if (outcome === 'voided') voidedTotal++;
    },
  };
  const clusters: Cluster[] = Array.from({ length: producers }, () =>
    createCluster(config, { counter, log: { observer } }),
  );
  const topics: Topic[] = await Promise.all(clusters.map((cluster) => cluster.topics.get(topicName)));
  const value = payload(recordBytes, 1);
  const offsets: number[] = [];
  const voided = () => voidedTotal;
  return {
    round: async (maxMs) => {
      let commits = 0;
      let gaveUp = 0;
      let failed = 0;
      let firstFailure: string | undefined;
      const voidedBefore = voided();
      counter.reset();
      const cpuBefore = cpuMicros();
      const begin = nowMs();
      await Promise.all(
        clusters.map(async (cluster, i) => {
          while (nowMs() - begin < maxMs) {
            try {
              const [result] = await cluster.log.append(topics[i], [
                { key: null, value, headers: [], timestamp: Date.now(), partition: 0 },
              ]);
              if (result.ok) {
                commits++;
                offsets.push(result.offset);
                continue;
              }
              if (result.error.retriable) gaveUp++;
              else failed++;
              firstFailure ??= result.error.message;
            } catch (error) {
              failed++;
              firstFailure ??= error instanceof Error ? error.message : String(error);
            }
          }
        }),
      );
      const elapsedMs = nowMs() - begin;
      return {
        commits,
        opsPerSec: perSecond(commits, elapsedMs),
        elapsedMs,
        gaveUp,
        failed,
        firstFailure,
        voided: voided() - voidedBefore,
        calls: counter.snapshot(),
        cpuUs: cpuMicros() - cpuBefore,
      };
    },
    close: () => {
      for (const cluster of clusters) {
        cluster.close();
      }
      return checkOffsets(offsets);
    },
  };
}

/**
 * Counts duplicates and holes among acknowledged offsets.
 *
 * @example
 * checkOffsets([3, 4, 6]); // { acknowledged: 3, duplicates: 0, holes: 1 }
 */
export function checkOffsets(offsets: readonly number[]): OffsetCheck {
  if (offsets.length === 0) return { acknowledged: 0, duplicates: 0, holes: 0 };
  const sorted = [...offsets].sort((a, b) => a - b);
  let duplicates = 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) duplicates++;
  const distinct = sorted.length - duplicates;
  return {
    acknowledged: sorted.length,
    duplicates,
    holes: sorted[sorted.length - 1] - sorted[0] + 1 - distinct,
  };
}

/** Sluice beside the raw chain at one writer count. */
export interface ContentionResult {
  readonly producers: number;
  /** The median Sluice round and the median chain round. */
  readonly sluice: ContentionRound;
  readonly chain: Round;
  readonly sluiceRounds: readonly ContentionRound[];
  readonly chainRounds: readonly Round[];
  readonly chainKind: ChainKind;
  readonly offsets: OffsetCheck;
  /** Server-worker CPU µs per commit (Sluice) and per chain (baseline), over all rounds. */
  readonly cpuUsPerCommit: number;
  readonly chainCpuUs: number;
}

/**
 * For each writer count of the plan: a fresh one-partition topic, `producers` warm clusters
 * and `producers` warm raw-chain writers on one shared sequencer item, then interleaved
 * rounds of each. The chain is always the sequenced one (PutObject ∥ UpdateItem ADD, then
 * PutItem), which is what an append on a contended partition will cost.
 *
 * @example
 * const contention = await measureContention(harness, QUICK_PLAN);
 */
export async function measureContention(
  harness: BenchHarness,
  plan: BenchPlan,
  progress: (line: string) => void = () => {},
): Promise<ContentionResult[]> {
  const results: ContentionResult[] = [];
  const chainKind: ChainKind = 'sequenced';
  for (const producers of plan.contentionProducers) {
    const topic = `bench-contention-${producers}`;
    await createTopic(harness.baseUrl, harness.config.clusterId, topic, 1);
    progress(`contention: ${producers} writers on one partition, ${plan.contentionRounds} rounds of each`);
    const pool = `contention-${producers}`;
    await harness.server.call('contentionOpen', { topic, producers, recordBytes: plan.recordBytes });
    await harness.server.call('chainOpen', {
      pool,
      writers: producers,
      clientPerWriter: true,
      sharedPartition: true,
      recordsPerAppend: 1,
      recordsPerSegment: 1,
      recordBytes: plan.recordBytes,
    });
    try {
      const limits = { total: Number.POSITIVE_INFINITY, maxMs: plan.contentionRoundMs };
      const rounds = await interleave(
        plan.contentionRounds,
        () => harness.server.call('chainRound', { pool, kind: chainKind, ...limits }),
        () => harness.server.call('contentionRound', { topic, maxMs: plan.contentionRoundMs }),
      );
      const sluiceRounds = rounds.sluice;
      results.push({
        producers,
        sluice: medianRound(sluiceRounds),
        chain: medianRound(rounds.baseline),
        sluiceRounds,
        chainRounds: rounds.baseline,
        chainKind,
        offsets: await harness.server.call('contentionClose', topic),
        cpuUsPerCommit: cpuPerOp(sluiceRounds.map((r) => ({ ok: r.commits, cpuUs: r.cpuUs }))),
        chainCpuUs: cpuPerOp(rounds.baseline),
      });
    } finally {
      await harness.server.call('chainClose', pool);
    }
  }
  return results;
}
