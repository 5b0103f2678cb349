/**
 * Gathers one topic's messages into batches: a batch is ready when it has waited the current
 * linger since its first message, or when it holds `batchBytes` or `maxBatchItems`. At most
 * one batch of a topic is in flight, which keeps per-partition order and the idempotent
 * sequences simple (Kafka's `max.in.flight.requests.per.connection=1`); messages sent
 * meanwhile form the next batch.
 *
 * The linger adapts to the traffic, between `lingerMs` and `maxLingerMs`. Every request has a
 * price of its own on AWS (an S3 PUT, DynamoDB writes, a Lambda invocation, an API Gateway
 * request), so a producer whose messages keep coming should send few large requests, while a
 * producer that sends now and then should not make a message wait for company that does not
 * come. When a batch leaves, the accumulator looks at how often messages arrived while it
 * gathered (arrivals at distinct instants over its time; one `send` of many is one arrival):
 * at least one arrival per `lingerMs` plus the last request's duration — a batch with the
 * base linger would have carried more than one — means traffic flows, and the next linger
 * doubles, up to `maxLingerMs` (so does a batch that left full). Anything slower brings the
 * linger back to `lingerMs` at once, and so does a message that comes after a pause longer
 * than the current linger and than that spacing (the first message after a burst does not
 * wait out the burst's linger). The rule reads the rate against the base linger, not the
 * current one, so a producer's linger follows its rate and does not stay long just because
 * it once was.
 * A flushed batch leaves the linger as it is.
 */

/** A queued item: something with a size. */
export interface Sized {
  readonly size: number;
}

/** Options of {@link createAccumulator}. */
export interface AccumulatorOptions<T extends Sized> {
  /** The linger while traffic is thin, and where it starts. */
  readonly lingerMs: number;
  /** The longest the linger grows to while traffic flows. @default lingerMs (a fixed linger) */
  readonly maxLingerMs?: number;
  readonly batchBytes: number;
  /** Most items in one batch. @default Infinity */
  readonly maxBatchItems?: number;
  /** Sends one batch; must settle every item itself and never reject. */
  readonly dispatch: (items: T[]) => Promise<void>;
  /** The clock that tells whether items arrived apart. @default Date.now */
  readonly now?: () => number;
}

/** One topic's queue. */
export interface Accumulator<T extends Sized> {
  add(item: T): void;
  /** Sends everything queued now, without waiting for the linger, and resolves once it is sent. */
  flush(): Promise<void>;
  /** The linger the next batch waits, in ms. */
  currentLingerMs(): number;
}

/**
 * Creates an accumulator.
 *
 * @example
 * const queue = createAccumulator({ lingerMs: 5, maxLingerMs: 2000, batchBytes: 4_000_000, dispatch: async (items) => send(items) });
 * queue.add({ size: 120 });
 */
export function createAccumulator<T extends Sized>(options: AccumulatorOptions<T>): Accumulator<T> {
  const maxLingerMs = Math.max(options.maxLingerMs ?? options.lingerMs, options.lingerMs);
  const maxItems = options.maxBatchItems ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? Date.now;
  const pending: T[] = [];
  let bytes = 0;
  let ready = false;
  let flushing = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let linger = options.lingerMs;
  /** When the oldest pending item arrived, and at how many distinct instants items arrived since. */
  let firstAt = 0;
  let arrivals = 0;
  let lastAddAt = Number.NEGATIVE_INFINITY;
  let lastRequestMs = 0;

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
      const sentAt = now();
      await options.dispatch(batch);
      lastRequestMs = now() - sentAt;
    }
  }

  function isFull(): boolean {
    return bytes >= options.batchBytes || pending.length >= maxItems;
  }

  function take(): T[] {
    const full = isFull();
    let size = 0;
    let count = 0;
    while (
      count < pending.length &&
      count < maxItems &&
      (count === 0 || size + pending[count].size <= options.batchBytes)
    ) {
      size += pending[count].size;
      count++;
    }
    bytes -= size;
    const at = now();
    if (!flushing) adapt(full || flowing(at));
    // Leftovers (a batch split at its limits) count as one arrival of the next batch.
    firstAt = at;
    arrivals = pending.length > count ? 1 : 0;
    return pending.splice(0, count);
  }

  /** Whether messages arrived at least once per base linger plus request time while the batch gathered. */
  function flowing(at: number): boolean {
    const gatheredMs = at - firstAt;
    if (arrivals < 2 || gatheredMs <= 0) return false;
    return ((arrivals - 1) / gatheredMs) * (options.lingerMs + lastRequestMs) >= 1;
  }

  function adapt(trafficFlows: boolean): void {
    linger = trafficFlows ? Math.min(maxLingerMs, Math.max(1, linger * 2)) : options.lingerMs;
  }

  return {
    add(item) {
      const at = now();
      if (pending.length === 0) {
        // A pause longer than the linger, and than the spacing the rate rule calls flowing.
        if (at - lastAddAt > Math.max(linger, options.lingerMs + lastRequestMs)) linger = options.lingerMs;
        firstAt = at;
        arrivals = 1;
      } else if (at > lastAddAt) {
        arrivals++;
      }
      lastAddAt = at;
      pending.push(item);
      bytes += item.size;
      if (isFull()) markReady();
      else if (!ready && !timer) timer = setTimeout(markReady, linger);
    },
    async flush() {
      flushing = true;
      try {
        if (pending.length > 0) markReady();
        while (running) await running;
      } finally {
        flushing = false;
      }
    },
    currentLingerMs: () => linger,
  };
}
