import { sleep } from '../../retry';

/**
 * A sleep that another part of the program can cut short, and that leaves no timer behind
 * (a pending timer would keep a CLI process alive after it is done).
 */
export interface InterruptibleSleep {
  /** Resolves after `ms`, or at once when woken during (or since the last) pause. */
  pause(ms: number): Promise<void>;
  wake(): void;
}

/**
 * Creates an interruptible sleep.
 *
 * @example
 * const sleeper = createInterruptibleSleep();
 * setTimeout(() => sleeper.wake(), 10);
 * await sleeper.pause(60_000); // returns after ~10 ms
 */
export function createInterruptibleSleep(): InterruptibleSleep {
  let woken = false;
  let current: AbortController | undefined;
  return {
    async pause(ms) {
      if (woken) {
        woken = false;
        return;
      }
      const controller = new AbortController();
      current = controller;
      await sleep(ms, { signal: controller.signal });
      if (current === controller) current = undefined;
    },
    wake() {
      // Forget the woken pause at once: a second wake before it resumes is for the next pause.
      if (current) {
        current.abort();
        current = undefined;
      } else woken = true;
    },
  };
}
