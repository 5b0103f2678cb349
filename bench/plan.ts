import type { SteadyRule } from './rounds';
/**
 * How much work each benchmark phase does. Every phase is bounded twice: by a count and by
 * a time limit, whichever comes first, so a slow or overloaded machine only shortens a run.
 */
export interface BenchPlan {
  readonly mode: 'quick' | 'full';
  /** Concurrent HTTP clients of the produce rounds (and raw-chain writers beside them). */
  readonly concurrency: number;
  /** Records per produce request and the size of each record's value, in bytes. */
  readonly recordsPerRequest: number;
  readonly recordBytes: number;
  /** Raw PutObject and PutItem calls that warm the emulators before anything is measured. */
  readonly warmupOps: number;
  readonly warmupMaxMs: number;
  /** Rounds of the raw chain and of Sluice produce, each (odd: a true median). */
  readonly produceRounds: number;
  /** Produce requests before the rounds, not measured. */
  readonly produceWarmupRequests: number;
  /**
   * Then interleaved rounds of the chain and of Sluice, discarded, until neither is still
   * speeding up (bench/rounds.ts `warmUntilSteady`).
   */
  readonly produceWarmup: SteadyRule;
  /** Produce requests (and raw chains) per round, and the time limit of a round. */
  readonly produceRequests: number;
  readonly produceRoundMs: number;
  /** Operations of each single raw-store baseline (PutObject alone, PutItem alone). */
  readonly baselineOps: number;
  readonly baselineMaxMs: number;
  /** Sequential fetches whose AWS calls are counted. */
  readonly fetches: number;
  /** Produce requests (and as many fetches) per request shape of the cost table. */
  readonly costRequests: number;
  /** Idle topics one measured retention sweep walks (the 1,000-idle-topics row scales from it). */
  readonly costIdleTopics: number;
  /** Produce-then-poll samples of end-to-end latency. */
  readonly endToEndSamples: number;
  readonly endToEndMaxMs: number;
  /** Produce-then-handler samples of each consumer trigger (poller, stream). */
  readonly triggerSamples: number;
  /** How long each trigger's consumer is left idle while its requests are counted. */
  readonly triggerIdleMs: number;
  /**
   * Measured drains of a stream-triggered group's function (bench/stream-drain.ts): of one
   * record, and of one 2,000-record section.
   */
  readonly drainSamples: number;
  readonly largeDrainSamples: number;
  /**
   * One-record drains before the measured ones. A group function serving a steady flow runs
   * thousands of drains a container, with its code compiled by V8's optimising tier; the first
   * few dozen in a fresh process run interpreted and cost more than half again as much CPU
   * (measured: 10.1 ms a drain after 5, 6.3 ms after 400), so the measurement warms to that
   * steady state as the produce phase does.
   */
  readonly drainWarmups: number;
  /** Writer counts racing on one partition; rounds of each side per count, and their length. */
  readonly contentionProducers: readonly number[];
  readonly contentionRounds: number;
  readonly contentionRoundMs: number;
  /** Codec: records per batch, and how long each of the four codec measurements runs. */
  readonly codecRecords: number;
  readonly codecMs: number;
}

const COMMON = {
  concurrency: 16,
  recordsPerRequest: 10,
  recordBytes: 1024,
  contentionProducers: [8, 32, 64],
  codecRecords: 100,
} as const;

/** About a minute and a half on a 2-core machine. */
export const QUICK_PLAN: BenchPlan = {
  ...COMMON,
  mode: 'quick',
  produceRounds: 5,
  warmupOps: 1_500,
  warmupMaxMs: 4_000,
  produceWarmupRequests: 300,
  produceWarmup: { minRounds: 2, maxRounds: 6, tolerance: 0.05 },
  produceRequests: 2_000,
  produceRoundMs: 2_000,
  baselineOps: 3_000,
  baselineMaxMs: 2_000,
  fetches: 150,
  costRequests: 30,
  costIdleTopics: 200,
  endToEndSamples: 40,
  endToEndMaxMs: 8_000,
  triggerSamples: 15,
  triggerIdleMs: 6_000,
  drainSamples: 30,
  drainWarmups: 300,
  largeDrainSamples: 5,
  contentionRounds: 3,
  contentionRoundMs: 2_000,
  codecMs: 1_500,
};

/** A few minutes: longer rounds for steadier numbers. */
export const FULL_PLAN: BenchPlan = {
  ...COMMON,
  mode: 'full',
  produceRounds: 7,
  warmupOps: 4_000,
  warmupMaxMs: 10_000,
  produceWarmupRequests: 1_000,
  produceWarmup: { minRounds: 2, maxRounds: 6, tolerance: 0.05 },
  produceRequests: 12_000,
  produceRoundMs: 6_000,
  baselineOps: 10_000,
  baselineMaxMs: 6_000,
  fetches: 500,
  costRequests: 100,
  costIdleTopics: 1_000,
  endToEndSamples: 200,
  endToEndMaxMs: 40_000,
  triggerSamples: 60,
  triggerIdleMs: 30_000,
  drainSamples: 100,
  drainWarmups: 600,
  largeDrainSamples: 15,
  contentionRounds: 5,
  contentionRoundMs: 5_000,
  codecMs: 4_000,
};

/**
 * The plan for the command line: `--quick` for the short run, the full one otherwise.
 *
 * @example
 * planFromArgs(['--quick']).mode; // 'quick'
 */
export function planFromArgs(args: readonly string[]): BenchPlan {
  const unknown = args.filter((arg) => arg !== '--quick' && arg !== '--full');
  if (unknown.length > 0) {
    throw new Error(`Unknown argument ${unknown[0]}: use "npm run bench" or "npm run bench -- --quick".`);
  }
  return args.includes('--quick') ? QUICK_PLAN : FULL_PLAN;
}
