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
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      result.baseline.push(await baseline(round));
      result.sluice.push(await sluice(round));
    } else {
      result.sluice.push(await sluice(round));
      result.baseline.push(await baseline(round));
    }
  }
  return result;
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
