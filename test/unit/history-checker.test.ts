import type { StoredRecord } from '../../shared/codec/types';
import { AppendHistory } from '../support/history';

function stored(offset: number, value: string): StoredRecord {
  return { partition: 0, offset, timestamp: 0, key: null, value: Buffer.from(value), headers: [] };
}

/** Two acked attempts: ['a', 'b'] at 0–1 and ['c'] at 2; one unanswered: ['d']. */
function history(): AppendHistory {
  const h = new AppendHistory();
  h.answer(h.begin(['a', 'b']), { kind: 'ok', offsets: [0, 1] });
  h.answer(h.begin(['c']), { kind: 'ok', offsets: [2] });
  h.begin(['d']);
  return h;
}

const good = [stored(0, 'a'), stored(1, 'b'), stored(2, 'c')];

describe('the append history checker', () => {
  it('accepts a read that matches every ack, with or without the unanswered attempt', () => {
    expect(history().check(good, { readableEnd: 3 })).toEqual([]);
    expect(history().check([...good, stored(5, 'd')], { readableEnd: 6 })).toEqual([]);
  });

  it.each([
    ['acked records are kept', [stored(0, 'a'), stored(1, 'b')], 3],
    ['acked records are where acked', [stored(0, 'a'), stored(1, 'b'), stored(3, 'c')], 4],
    ['offsets grow', [stored(0, 'a'), stored(1, 'b'), stored(2, 'c'), stored(2, 'd')], 3],
    ['no phantom records', [...good, stored(3, 'x')], 4],
    ['at most once per attempt', [...good, stored(4, 'c')], 5],
    ['requests are contiguous', [stored(0, 'a'), stored(2, 'b'), stored(3, 'c')], 4],
    ['readable end covers acks', good, 2],
  ])('reports "%s"', (rule, read, readableEnd) => {
    const rules = history()
      .check(read, { readableEnd })
      .map((v) => v.rule);
    expect(rules).toContain(rule);
  });

  it('reports an offset whose record changed between two reads (reuse)', () => {
    const violations = history().check(good, { readableEnd: 3, earlierReads: [[stored(2, 'z')]] });
    expect(violations.map((v) => v.rule)).toContain('offsets are never reused');
  });

  it('reports a refused attempt that was written', () => {
    const h = new AppendHistory();
    h.answer(h.begin(['a']), { kind: 'failed', status: 400, message: 'bad' });
    expect(h.check([stored(0, 'a')], { readableEnd: 1 }).map((v) => v.rule)).toContain(
      'refusals write nothing',
    );
  });
});
