/**
 * A sleep that another part of the program can cut short, and that leaves no timer behind
 * (a pending timer would keep a CLI process alive after it is done).
 */
export interface Waker {
  /** Resolves after `ms`, or at once when woken during (or since the last) pause. */
  pause(ms: number): Promise<void>;
  wake(): void;
}

/**
 * Creates a waker.
 *
 * @example
 * const waker = createWaker();
 * setTimeout(() => waker.wake(), 10);
 * await waker.pause(60_000); // returns after ~10 ms
 */
export function createWaker(): Waker {
  let woken = false;
  let current: (() => void) | undefined;
  return {
    pause(ms) {
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          current = undefined;
          resolve();
        }
        current = done;
      });
    },
    wake() {
      if (current) current();
      else woken = true;
    },
  };
}
