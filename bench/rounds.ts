/**
 * Rounds: a baseline and the Sluice measurement it stands beside are each run several
 * times, alternately, and the median round of each is reported, so that a machine that
 * speeds up or slows down during the run (warming emulators, other work) moves both alike.
 */
import type { ClosedLoopResult } from './load';
import { perSecond } from './stats';

/** One timed round of a closed loop, with the CPU time its process spent on it. */
export interface Round {
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  readonly latenciesMs: number[];
  /** CPU time (user + system) of the process doing the work, during the round, in µs. */
  readonly cpuUs: number;
  readonly firstError?: string;
}

/**
 * CPU time this process has used so far (user + system), in µs.
 *
 * @example
 * const before = cpuMicros(); work(); const spent = cpuMicros() - before;
 */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * A closed-loop result as a round, with the CPU time measured around it.
 *
 * @example
 * const before = cpuMicros(); const run = await runClosedLoop(...); toRound(run, cpuMicros() - before);
 */
export function toRound(run: ClosedLoopResult, cpuUs: number): Round {
  return {
    ok: run.ok,
    failed: run.failed,
    elapsedMs: run.elapsedMs,
    opsPerSec: perSecond(run.ok, run.elapsedMs),
    latenciesMs: run.latenciesMs,
    cpuUs,
    firstError: run.firstError === undefined ? undefined : describeError(run.firstError),
  };
}

/**
 * The round with the median rate (the lower middle one for an even count).
 *
 * @example
 * medianRound([{ opsPerSec: 3 }, { opsPerSec: 1 }, { opsPerSec: 2 }]).opsPerSec; // 2
 */
export function medianRound<T extends { readonly opsPerSec: number }>(rounds: readonly T[]): T {
  if (rounds.length === 0) throw new Error('no rounds to take the median of');
  const sorted = [...rounds].sort((a, b) => a.opsPerSec - b.opsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * Runs `baseline` and `sluice` `rounds` times each, alternately, swapping which goes first
 * every round (B S S B B S …) so a steady drift of the machine favours neither; keeps every
 * round of both.
 *
 * @example
 * const { baseline, sluice } = await interleave(3, () => chainRound(), () => produceRound());
 */
export async function interleave<B, S>(
  rounds: number,
  baseline: (round: number) => Promise<B>,
  sluice: (round: number) => Promise<S>,
): Promise<{ baseline: B[]; sluice: S[] }> {
  const result: { baseline: B[]; sluice: S[] } = { baseline: [], sluice: [] };
  for (let round = 0; round < rounds; round++) await runPair(round, baseline, sluice, result);
  return result;
}

/** Round `round` of each, the baseline first on even rounds and Sluice first on odd ones. */
async function runPair<B, S>(
  round: number,
  baseline: (round: number) => Promise<B>,
  sluice: (round: number) => Promise<S>,
  into: { baseline: B[]; sluice: S[] },
): Promise<void> {
  if (round % 2 === 0) {
    into.baseline.push(await baseline(round));
    into.sluice.push(await sluice(round));
  } else {
    into.sluice.push(await sluice(round));
    into.baseline.push(await baseline(round));
  }
}

/**
 * CPU µs per operation over all rounds (total CPU ÷ total operations): steadier than one
 * round's figure.
 *
 * @example
 * cpuPerOp([{ ok: 10, cpuUs: 5000 }, { ok: 30, cpuUs: 11000 }]); // 400
 */
export function cpuPerOp(rounds: readonly { readonly ok: number; readonly cpuUs: number }[]): number {
  const ops = rounds.reduce((sum, r) => sum + r.ok, 0);
  return ops > 0 ? rounds.reduce((sum, r) => sum + r.cpuUs, 0) / ops : Number.NaN;
}

/** An error as one line for the report. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** When {@link warmUntilSteady} stops. */
export interface SteadyRule {
  /** Pairs of rounds run at least. */
  readonly minRounds: number;
  /** Pairs of rounds run at most, steady or not (the warm-up stays bounded in time). */
  readonly maxRounds: number;
  /** A round counts as a new high when it is this much faster than every earlier one (0.05 = 5 %). */
  readonly tolerance: number;
}

/**
 * Warms a baseline and the Sluice measurement beside it with interleaved rounds (as
 * {@link interleave}) until both have stopped speeding up: the latest pair sets no new high,
 * for either side, by more than `rule.tolerance` over the earlier rounds. The JIT of the
 * server, of DynamoDB Local's JVM and of s3rver keeps raising a fresh process's rate for a
 * while, and Sluice's path, having more code than the raw chain, reaches its steady rate
 * later; a median over rounds that are still climbing would measure the warm-up, not the
 * warm Lambda the numbers stand for. Returns the discarded rounds, for the report.
 *
 * @example
 * const warm = await warmUntilSteady({ minRounds: 2, maxRounds: 6, tolerance: 0.05 }, chainRound, produceRound);
 */
export async function warmUntilSteady<
  B extends { readonly opsPerSec: number },
  S extends { readonly opsPerSec: number },
>(
  rule: SteadyRule,
  baseline: (round: number) => Promise<B>,
  sluice: (round: number) => Promise<S>,
): Promise<{ baseline: B[]; sluice: S[]; steady: boolean }> {
  const rounds: { baseline: B[]; sluice: S[] } = { baseline: [], sluice: [] };
  for (let round = 0; round < rule.maxRounds; round++) {
    await runPair(round, baseline, sluice, rounds);
    if (
      round + 1 >= rule.minRounds &&
      !risingAtEnd(rounds.baseline, rule) &&
      !risingAtEnd(rounds.sluice, rule)
    ) {
      return { ...rounds, steady: true };
    }
  }
  return { ...rounds, steady: false };
}

/** Whether the last round beats every earlier one by more than the tolerance. */
function risingAtEnd(rounds: readonly { readonly opsPerSec: number }[], rule: SteadyRule): boolean {
  if (rounds.length < 2) return true;
  const best = Math.max(...rounds.slice(0, -1).map((r) => r.opsPerSec));
  return rounds[rounds.length - 1].opsPerSec > best * (1 + rule.tolerance);
}
