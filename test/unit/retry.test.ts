import { backoffDelay, isProgrammerError, retry, sleep } from '../../shared/retry';

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
});
