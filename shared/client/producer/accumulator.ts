/**
 * Gathers one topic's messages into batches: a batch is ready when `lingerMs` passed since
 * its first message or when it holds `batchBytes`. At most one batch of a topic is in flight,
 * which keeps per-partition order and the idempotent sequences simple (Kafka's
 * `max.in.flight.requests.per.connection=1`); messages sent meanwhile form the next batch.
 */

/** A queued item: something with a size. */
export interface Sized {
  readonly size: number;
}

/** Options of {@link createAccumulator}. */
export interface AccumulatorOptions<T extends Sized> {
  readonly lingerMs: number;
  readonly batchBytes: number;
  /** Sends one batch; must settle every item itself and never reject. */
  readonly dispatch: (items: T[]) => Promise<void>;
}

/** One topic's queue. */
export interface Accumulator<T extends Sized> {
  add(item: T): void;
  /** Sends everything queued now, without waiting for the linger, and resolves once it is sent. */
  flush(): Promise<void>;
}

/**
 * Creates an accumulator.
 *
 * @example
 * const queue = createAccumulator({ lingerMs: 5, batchBytes: 1_000_000, dispatch: async (items) => send(items) });
 * queue.add({ size: 120 });
 */
export function createAccumulator<T extends Sized>(options: AccumulatorOptions<T>): Accumulator<T> {
  const pending: T[] = [];
  let bytes = 0;
  let ready = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function markReady(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    ready = true;
    kick();
  }

  function kick(): void {
    if (running) return;
    running = drain().finally(() => {
      running = undefined;
      if (ready && pending.length > 0) kick();
    });
  }

  async function drain(): Promise<void> {
    while (ready && pending.length > 0) {
      const batch = take();
      // Leftovers did not fit the batch just taken: they are overdue, send them next.
      ready = pending.length > 0;
      await options.dispatch(batch);
    }
  }

  function take(): T[] {
    let size = 0;
    let count = 0;
    while (count < pending.length && (count === 0 || size + pending[count].size <= options.batchBytes)) {
      size += pending[count].size;
      count++;
    }
    bytes -= size;
    return pending.splice(0, count);
  }

  return {
    add(item) {
      pending.push(item);
      bytes += item.size;
      if (bytes >= options.batchBytes) markReady();
      else if (!ready && !timer) timer = setTimeout(markReady, options.lingerMs);
    },
    async flush() {
      if (pending.length > 0) markReady();
      while (running) await running;
    },
  };
}
