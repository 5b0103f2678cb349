import type { StoredRecord } from '../../shared/codec/types';

/** What one append attempt was told: offsets, a refusal, or nothing (the writer died). */
export type AppendAnswer =
  | { readonly kind: 'ok'; readonly offsets: readonly number[] }
  | {
      readonly kind: 'failed';
      readonly status?: number;
      readonly errorCode?: number;
      readonly message: string;
    }
  | { readonly kind: 'unknown' };

/** One append attempt: the values it sent (unique per history) and its answer. */
export interface AppendAttempt {
  readonly id: string;
  readonly values: readonly string[];
  answer: AppendAnswer;
}

/** A violation of the log's guarantees found in a history. */
export interface Violation {
  readonly rule: string;
  readonly detail: string;
}

/**
 * A Jepsen-style history of appends to one partition: record every attempt and its answer
 * as it happens, then check what a reader finds against it. Values must be unique across the
 * history, so each record read back names the attempt (and position) it came from.
 *
 * @example
 * const history = new AppendHistory();
 * const attempt = history.begin(['a', 'b']);
 * history.answer(attempt, { kind: 'ok', offsets: [0, 1] });
 * expect(history.check(await readAll(...), { readableEnd })).toEqual([]);
 */
export class AppendHistory {
  readonly attempts: AppendAttempt[] = [];
  private sequence = 0;

  /** Starts an attempt; its answer is `unknown` until `answer` is called. */
  begin(values: readonly string[]): AppendAttempt {
    const attempt: AppendAttempt = { id: `attempt-${this.sequence++}`, values, answer: { kind: 'unknown' } };
    this.attempts.push(attempt);
    return attempt;
  }

  answer(attempt: AppendAttempt, answer: AppendAnswer): void {
    attempt.answer = answer;
  }

  /** Attempts by answer kind, for reporting. */
  tally(): Record<AppendAnswer['kind'], number> {
    const counts = { ok: 0, failed: 0, unknown: 0 };
    for (const attempt of this.attempts) counts[attempt.answer.kind]++;
    return counts;
  }

  /** The distinct messages of failed attempts (at most `limit`), to say why in a report. */
  failureMessages(limit = 3): string[] {
    const messages = new Set<string>();
    for (const { answer } of this.attempts) {
      if (answer.kind === 'failed' && messages.size < limit) messages.add(answer.message);
    }
    return [...messages];
  }

  /**
   * Checks a read of the partition (every record from the log start to the readable end, in
   * the order read) against the history:
   * - every acknowledged record is read back, at its acknowledged offset, once;
   * - no offset holds two records, and offsets grow strictly in read order;
   * - every record read back was sent by some attempt, at most once per attempt, and the
   *   records of one attempt sit at contiguous offsets in request order;
   * - a refused attempt (an answer with a 4xx status) wrote nothing;
   * - the readable end covers every acknowledged offset.
   * `earlierReads` are reads of the same partition taken before: an offset must hold the same
   * record in every read (nothing is rewritten, not even by hole filling or retention).
   */
  check(
    read: readonly StoredRecord[],
    options: { readableEnd: number; earlierReads?: readonly (readonly StoredRecord[])[] } = {
      readableEnd: 0,
    },
  ): Violation[] {
    const violations: Violation[] = [];
    const fail = (rule: string, detail: string) => violations.push({ rule, detail });
    const byValue = new Map<string, { attempt: AppendAttempt; index: number }>();
    for (const attempt of this.attempts) {
      attempt.values.forEach((value, index) => {
        if (byValue.has(value)) fail('unique values', `"${value}" is sent by two attempts`);
        byValue.set(value, { attempt, index });
      });
    }

    const atOffset = new Map<number, string>();
    let previous = -1;
    for (const record of read) {
      const value = record.value?.toString() ?? '<null>';
      if (record.offset <= previous) fail('offsets grow', `offset ${record.offset} read after ${previous}`);
      previous = record.offset;
      if (atOffset.has(record.offset)) fail('one record per offset', `offset ${record.offset} read twice`);
      atOffset.set(record.offset, value);
      if (!byValue.has(value)) fail('no phantom records', `"${value}" at ${record.offset} was never sent`);
    }

    const placed = new Map<string, number[]>(); // attempt id → offsets read, by value index
    for (const [offset, value] of atOffset) {
      const origin = byValue.get(value);
      if (!origin) continue;
      const offsets = placed.get(origin.attempt.id) ?? [];
      if (offsets[origin.index] !== undefined) {
        fail('at most once per attempt', `"${value}" is at ${offsets[origin.index]} and ${offset}`);
      }
      offsets[origin.index] = offset;
      placed.set(origin.attempt.id, offsets);
    }

    for (const attempt of this.attempts) {
      const offsets = placed.get(attempt.id);
      const { answer } = attempt;
      if (answer.kind === 'ok') {
        attempt.values.forEach((value, i) => {
          const expected = answer.offsets[i];
          if (expected >= options.readableEnd) {
            fail(
              'readable end covers acks',
              `${attempt.id}: acked offset ${expected} ≥ readable end ${options.readableEnd}`,
            );
          }
          const actual = offsets?.[i];
          if (actual === undefined)
            fail('acked records are kept', `${attempt.id}: "${value}" acked at ${expected} is missing`);
          else if (actual !== expected) {
            fail(
              'acked records are where acked',
              `${attempt.id}: "${value}" acked at ${expected}, read at ${actual}`,
            );
          }
        });
      } else if (answer.kind === 'failed' && answer.status !== undefined && answer.status < 500 && offsets) {
        fail('refusals write nothing', `${attempt.id} was refused with ${answer.status} but was written`);
      }
      if (offsets) {
        const written = offsets.filter((o) => o !== undefined);
        if (written.length !== attempt.values.length) {
          fail(
            'requests land whole',
            `${attempt.id}: ${written.length} of ${attempt.values.length} records read`,
          );
        } else if (!written.every((o, i) => o === written[0] + i)) {
          fail('requests are contiguous', `${attempt.id} read at ${written.join(',')}`);
        }
      }
    }

    for (const earlier of options.earlierReads ?? []) {
      for (const record of earlier) {
        const now = atOffset.get(record.offset);
        const then = record.value?.toString() ?? '<null>';
        if (now !== undefined && now !== then) {
          fail('offsets are never reused', `offset ${record.offset} held "${then}", now holds "${now}"`);
        }
      }
    }
    return violations;
  }
}
