import { createLimiter } from '../../shared/limit';

describe('createLimiter', () => {
  it('starts tasks in arrival order, never more than the limit at once', async () => {
    const limit = createLimiter(2);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    const tasks = [0, 1, 2, 3].map((n) =>
      limit(async () => {
        started.push(n);
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return n;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(peak).toBe(2);
  });

  it('frees the slot of a task that fails', async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit(async () => 'next')).toBe('next');
  });

  it('refuses a bad limit, naming the option', () => {
    expect(() => createLimiter(0, 'partitionsConsumedConcurrently')).toThrow(
      'partitionsConsumedConcurrently must be a positive integer, got 0.',
    );
    expect(() => createLimiter(1.5)).toThrow(TypeError);
  });
});
