/**
 * How much work each benchmark phase does. Every phase is bounded twice: by a count and by
 * a time limit, whichever comes first, so a slow or overloaded machine only shortens a run.
 */
export interface BenchPlan {
  readonly mode: 'quick' | 'full';
  /** Concurrent HTTP clients (and raw-store workers for the baselines). */
  readonly concurrency: number;
  /** Records per produce request and the size of each record's value, in bytes. */
  readonly recordsPerRequest: number;
  readonly recordBytes: number;
  /** Produce requests through HTTP (after a short warm-up). */
  readonly produceRequests: number;
  readonly produceMaxMs: number;
  /** Operations of each raw-store baseline. */
  readonly baselineOps: number;
  readonly baselineMaxMs: number;
  /** Sequential fetches whose AWS calls are counted. */
  readonly fetches: number;
  /** Produce-then-poll samples of end-to-end latency. */
  readonly endToEndSamples: number;
  readonly endToEndMaxMs: number;
  /** Producers racing on one partition, and for how long. */
  readonly contentionProducers: number;
  readonly contentionMs: number;
  /** Codec: records per batch, and how long each of the four codec measurements runs. */
  readonly codecRecords: number;
  readonly codecMs: number;
}

const COMMON = {
  concurrency: 16,
  recordsPerRequest: 10,
  recordBytes: 1024,
  contentionProducers: 8,
  codecRecords: 100,
} as const;

/** About a minute on a 2-core machine. */
export const QUICK_PLAN: BenchPlan = {
  ...COMMON,
  mode: 'quick',
  produceRequests: 1_500,
  produceMaxMs: 10_000,
  baselineOps: 1_500,
  baselineMaxMs: 6_000,
  fetches: 150,
  endToEndSamples: 40,
  endToEndMaxMs: 10_000,
  contentionMs: 6_000,
  codecMs: 1_500,
};

/** A few minutes: larger samples for steadier numbers. */
export const FULL_PLAN: BenchPlan = {
  ...COMMON,
  mode: 'full',
  produceRequests: 8_000,
  produceMaxMs: 40_000,
  baselineOps: 6_000,
  baselineMaxMs: 20_000,
  fetches: 500,
  endToEndSamples: 200,
  endToEndMaxMs: 40_000,
  contentionMs: 20_000,
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
