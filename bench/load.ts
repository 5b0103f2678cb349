import { nowMs } from './stats';

/** Options of {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  /** Workers issuing operations back to back. */
  readonly concurrency: number;
  /** Operations to run in total (the bound on count). */
  readonly total: number;
  /** No operation starts after this many milliseconds (the bound on time). */
  readonly maxMs: number;
  /**
   * One operation. `worker` is the worker's index (0 to concurrency − 1), `seq` a number unique
   * across the run. Resolve `true` for success; a rejection or `false` counts as a failure.
   */
  readonly operation: (worker: number, seq: number) => Promise<boolean>;
}

/** What a closed-loop run did. */
export interface ClosedLoopResult {
  /** Successful operations. */
  readonly ok: number;
  readonly failed: number;
  /** Wall time from the first start to the last completion, in ms. */
  readonly elapsedMs: number;
  /** Latency of each successful operation, in ms. */
  readonly latenciesMs: number[];
  /** The first failure seen, to show in the report. */
  readonly firstError?: unknown;
}

/**
 * Runs `operation` from `concurrency` workers, each starting its next operation as soon as
 * the previous one ends (a closed loop, like clients waiting for their acks), until `total`
 * operations have started or `maxMs` has passed. Bounded in count and time by construction.
 *
 * @example
 * const result = await runClosedLoop({ concurrency: 16, total: 1000, maxMs: 10_000, operation: async () => true });
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { concurrency, total, maxMs, operation } = options;
  const latenciesMs: number[] = [];
  let started = 0;
  let failed = 0;
  let firstError: unknown;
  const begin = nowMs();
  const worker = async (index: number) => {
    while (started < total && nowMs() - begin < maxMs) {
      const seq = started++;
      const t0 = nowMs();
      try {
        if (await operation(index, seq)) latenciesMs.push(nowMs() - t0);
        else failed++;
      } catch (error) {
        failed++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  return { ok: latenciesMs.length, failed, elapsedMs: nowMs() - begin, latenciesMs, firstError };
}
