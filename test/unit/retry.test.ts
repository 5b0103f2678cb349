import { runInNewContext } from 'node:vm';
import { backoffDelay, isProgrammerError, loopBackoff, retry, sleep } from '../../shared/retry';

describe('the one retry module', () => {
  it('backs off exponentially, capped, with ± factor jitter', () => {
    const policy = { initialRetryTime: 100, maxRetryTime: 1_000, factor: 0.2 };
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0.5))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
    expect(backoffDelay(policy, 0, () => 0)).toBe(80);
    expect(backoffDelay(policy, 0, () => 1)).toBe(120);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1_000);
  });

  it('retries retriable errors a bounded number of times, then throws the last', async () => {
    const waits: number[] = [];
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw new Error(`busy ${calls}`);
      },
      { retries: 3, isRetriable: () => true, sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    );
    await expect(failing).rejects.toThrow('busy 4');
    expect(waits).toEqual([100, 200, 400]);
  });

  it('never retries a programmer error, even when told everything is retriable', async () => {
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw new TypeError('x is not a function');
      },
      { retries: 5, isRetriable: () => true, sleep: async () => {} },
    );
    await expect(failing).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
    expect(isProgrammerError(new ReferenceError('y'))).toBe(true);
    expect(isProgrammerError(new Error('storage away'))).toBe(false);
  });

  it('sleeps until aborted, without rejecting', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, { signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(5_000);
    await sleep(10_000, { signal: controller.signal }); // already aborted: returns at once
  });

  it('knows a programmer error from another realm, and a RangeError, by name', () => {
    let foreign: unknown;
    try {
      runInNewContext('null.x');
    } catch (error) {
      foreign = error;
    }
    expect(foreign instanceof TypeError).toBe(false);
    expect(isProgrammerError(foreign)).toBe(true);
    expect(isProgrammerError(new RangeError('index out of range'))).toBe(true);
    expect(isProgrammerError({ name: 'TypeError' })).toBe(true);
    expect(isProgrammerError('TypeError')).toBe(false);
  });

  it('backs a loop off failure after failure, starts over after a success, and throws a bug back', () => {
    const backoff = loopBackoff({ initialRetryTime: 100, maxRetryTime: 1_000 }, () => 0.5);
    const away = new Error('storage away');
    expect([1, 2, 3, 4, 5].map(() => backoff.failed(away))).toEqual([100, 200, 400, 800, 1_000]);
    expect(backoff.failures).toBe(5);
    backoff.succeeded();
    expect(backoff.failed(away)).toBe(100);
    const bug = new TypeError('x is not a function');
    expect(() => backoff.failed(bug)).toThrow(bug);
    expect(backoff.failures).toBe(1);
  });
});
