import { ratePerSecond } from '../../console/app/rates';

describe('the overview rates', () => {
  it('divides what the offsets moved by the seconds between the samples', () => {
    const before = new Map([
      ['orders/0', 10],
      ['orders/1', 5],
    ]);
    const after = new Map([
      ['orders/0', 40],
      ['orders/1', 5],
    ]);
    expect(ratePerSecond(before, after, 5)).toBe(6);
  });

  it('counts only partitions both samples hold, and no offset moving back', () => {
    const before = new Map([
      ['gone/0', 100],
      ['reset/0', 50],
    ]);
    const after = new Map([
      ['new/0', 1000],
      ['reset/0', 0],
    ]);
    expect(ratePerSecond(before, after, 5)).toBe(0);
  });

  it('is 0 for no time at all', () => {
    expect(ratePerSecond(new Map([['a/0', 0]]), new Map([['a/0', 9]]), 0)).toBe(0);
  });
});
