import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { DeserializeMiddleware, InitializeMiddleware, MetadataBearer } from '@smithy/types';
import type { SluiceConfig } from '../config';
import { UnavailableError } from '../errors';

/** Counts AWS API calls by `Service.Command`, e.g. `S3.PutObject`. */
export class AwsRequestCounter {
  private readonly counts = new Map<string, number>();
  private readUnits = 0;
  private writeUnits = 0;
  private readonly unitsByCommand = new Map<string, number>();
  private emptyReads = 0;

  /**
   * @param options.capacity also ask DynamoDB for the capacity units each call consumed
   *   (`ReturnConsumedCapacity: TOTAL`) and add them up: what on-demand billing charges,
   *   which grows with item size, not with the number of calls. For measurements only.
   */
  constructor(readonly options: { readonly capacity?: boolean } = {}) {}

  record(service: string, command: string): void {
    const name = `${service}.${command}`;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  /** Adds the capacity units one DynamoDB call reported (`ConsumedCapacity`). */
  recordCapacity(command: string, consumed: unknown): void {
    const entries = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    let units = 0;
    for (const entry of entries) units += Number((entry as { CapacityUnits?: number }).CapacityUnits ?? 0);
    if (DYNAMODB_READS.has(command)) {
      this.readUnits += units;
      if (units === 0) this.emptyReads++;
    } else {
      this.writeUnits += units;
    }
    this.unitsByCommand.set(command, (this.unitsByCommand.get(command) ?? 0) + units);
  }

  /**
   * Reads that reported 0 units. DynamoDB Local reports 0 for a query that found nothing;
   * AWS bills a read that finds nothing all the same, so a cost model adds them back.
   */
  zeroUnitReads(): number {
    return this.emptyReads;
  }

  /** The capacity units of {@link capacityUnits}, by DynamoDB command. */
  capacityUnitsByCommand(): Record<string, number> {
    return Object.fromEntries([...this.unitsByCommand.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** DynamoDB capacity units consumed so far (only counted with `{ capacity: true }`). */
  capacityUnits(): { readonly read: number; readonly write: number } {
    return { read: this.readUnits, write: this.writeUnits };
  }

  /** Calls of one command so far (0 if none). */
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** All counts, sorted by name. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
    this.readUnits = 0;
    this.writeUnits = 0;
    this.unitsByCommand.clear();
    this.emptyReads = 0;
  }
}

const DYNAMODB_READS = new Set(['Query', 'GetItem', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/**
 * The settings every SDK client of a configuration shares: region, endpoint, retries and,
 * against a local endpoint with no credentials in the environment, the emulators' dummy ones.
 *
 * @example
 * const streams = new DynamoDBStreamsClient(awsClientSettings(config));
 */
export function awsClientSettings(config: SluiceConfig) {
  return {
    region: config.region,
    endpoint: config.endpoint,
    maxAttempts: 5,
    cacheMiddleware: true,
    ...(config.endpoint !== undefined && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'sluice', secretAccessKey: 'sluice-local' } }
      : {}),
  };
}

/** The SDK clients the core talks through. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
}

/**
 * Creates the S3 and DynamoDB clients for a configuration. With an endpoint (LocalStack,
 * the local harness) it uses path-style S3 and sends checksums only where required,
 * because s3rver stores `aws-chunked` bodies corrupted.
 *
 * Both clients cache their resolved middleware stack per command (`cacheMiddleware`): the
 * SDK otherwise rebuilds it on every `send`, which was the largest single CPU cost of a
 * produce. Middleware must therefore be added before a client's first call, as here. S3
 * never sends `Expect: 100-continue`: for bodies of 2 MB and more the SDK would add it and
 * open a fresh, non-keep-alive connection per request; a rejected upload costs us only the
 * wasted bytes, since segments are single PUTs.
 *
 * `send(command, { abortSignal })` keeps the cache too (see {@link abortWithoutOptions}).
 *
 * @example
 * const counter = new AwsRequestCounter();
 * const clients = createAwsClients(configFromEnv(), { counter });
 */
export function createAwsClients(
  config: SluiceConfig,
  opts: { counter?: AwsRequestCounter } = {},
): AwsClients {
  const local = config.endpoint !== undefined;
  const common = awsClientSettings(config);
  const s3 = new S3Client({
    ...common,
    forcePathStyle: local,
    expectContinueHeader: false,
    ...(local
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
  const dynamodb = new DynamoDBClient(common);
  abortWithoutOptions(s3);
  abortWithoutOptions(dynamodb);
  const outermost = { step: 'initialize', priority: 'high', name: 'sluiceTranslateRetriableErrors' } as const;
  s3.middlewareStack.add(translateRetriableErrors, outermost);
  dynamodb.middlewareStack.add(translateRetriableErrors, outermost);
  const counter = opts.counter;
  if (counter) {
    s3.middlewareStack.add(countingMiddleware('S3', counter), { step: 'initialize', name: 'sluiceCountS3' });
    dynamodb.middlewareStack.add(countingMiddleware('DynamoDB', counter), {
      step: 'initialize',
      name: 'sluiceCountDynamoDB',
    });
  }
  return { s3, dynamodb };
}

/**
 * The storage layer's one translation of AWS SDK failures: what is still failing after the
 * SDK's own retries and is worth retrying later (throttling, 5xx, a connection that broke)
 * leaves storage as an {@link UnavailableError} (503 / 50003), with the SDK error as its
 * `cause`. Everything else passes unchanged: conditional-check failures become named outcomes
 * in the storage modules that expect them, and an abort stays an abort.
 */
const translateRetriableErrors: InitializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
  try {
    return await next(args);
  } catch (error) {
    if (!isRetriableAwsError(error)) throw error;
    throw new UnavailableError('A storage service is briefly unavailable: retry the request with backoff.', {
      cause: error,
    });
  }
};

const THROTTLING = ['ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'SlowDown'];
const NETWORK = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'];

/**
 * SDK errors carry `$metadata`; throttling, 5xx and network faults are worth retrying.
 *
 * @example
 * isRetriableAwsError(Object.assign(new Error('x'), { name: 'ThrottlingException', $metadata: {} })); // true
 */
export function isRetriableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    name?: string;
    code?: string;
  };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return false;
  if (e.$retryable) return true;
  if (e.$metadata) {
    if ((e.$metadata.httpStatusCode ?? 500) >= 500) return true;
    if (e.name !== undefined && (e.name.includes('Throttl') || THROTTLING.includes(e.name))) return true;
  }
  return NETWORK.includes(e.code ?? '');
}

/** The DynamoDB calls that can report the capacity they consumed. */
const CAPACITY_COMMANDS = new Set([
  ...DYNAMODB_READS,
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'TransactWriteItems',
  'BatchWriteItem',
]);

/**
 * One count per logical API call (SDK retries of the same call are not counted twice). The
 * command's name and whether it is metered are settled once per resolved stack (one per
 * command class, as the clients cache their stacks), not on every call; an unmetered call
 * passes straight through, without a promise of its own.
 */
function countingMiddleware(
  service: string,
  counter: AwsRequestCounter,
): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => {
    const command = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
    if (!(counter.options.capacity && service === 'DynamoDB' && CAPACITY_COMMANDS.has(command))) {
      return (args) => {
        counter.record(service, command);
        return next(args);
      };
    }
    return async (args) => {
      counter.record(service, command);
      return withCapacity(next, args, command);
    };
  };

  async function withCapacity(
    next: Parameters<InitializeMiddleware<object, MetadataBearer>>[0],
    args: Parameters<ReturnType<InitializeMiddleware<object, MetadataBearer>>>[0],
    command: string,
  ) {
    const input = args.input as { ReturnConsumedCapacity?: string };
    input.ReturnConsumedCapacity = 'TOTAL';
    const result = await next(args);
    counter.recordCapacity(command, (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
    return result;
  }
}

/** Where a call's abort signal travels with the command, through the cached middleware stack. */
const ABORT_SIGNAL = Symbol('sluice.abortSignal');

type Sendable = { [ABORT_SIGNAL]?: AbortSignal };
type Send = (command: Sendable, options?: unknown, callback?: unknown) => Promise<unknown>;
type Handle = (request: object, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

/**
 * Makes `client.send(command, { abortSignal })` abort as the SDK's own option does, but on the
 * cached middleware stack. The SDK caches only calls without options: any options make it
 * rebuild the stack for that call and also drop the client's whole cache, so the one aborting
 * call of a produce (the slot put) cost about 180 µs of CPU per request, counting the next
 * reservation's rebuild.
 *
 * Instead the signal rides on the command (a symbol key: each middleware copies its arguments
 * with it). The last middleware before the HTTP handler files it under the attempt's request,
 * and the handler gets it as the SDK would have passed it: an attempt is not sent once the
 * signal has aborted, and one queued or in flight is destroyed when it aborts. The caller's
 * promise rejects with an `AbortError` as soon as the signal aborts, also during a retry's
 * backoff, which the SDK would have cut short. Any other options go to the SDK unchanged.
 */
function abortWithoutOptions(client: DynamoDBClient | S3Client): void {
  const target = client as unknown as { send: Send };
  const send = target.send.bind(client);
  target.send = (command, options, callback) => {
    const signal = onlyAbortSignal(options);
    if (!signal || callback !== undefined) return send(command, options, callback);
    if (signal.aborted) return Promise.reject(abortError(signal));
    command[ABORT_SIGNAL] = signal;
    return untilAborted(send(command), signal);
  };
  const signals = new WeakMap<object, AbortSignal>();
  // Not async: every call of the client passes here, and an extra promise per call costs.
  const fileSignal: DeserializeMiddleware<object, MetadataBearer> = (next) => (args) => {
    const signal = (args as Sendable)[ABORT_SIGNAL];
    if (signal) signals.set(args.request as object, signal);
    return next(args);
  };
  client.middlewareStack.addRelativeTo(fileSignal, {
    relation: 'after',
    toMiddleware: 'deserializerMiddleware',
    name: 'sluiceAbortSignal',
  });
  const handler = (client.config as unknown as { requestHandler: { handle: Handle } }).requestHandler;
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options) => {
    const signal = signals.get(request);
    return handle(request, signal ? { ...options, abortSignal: signal } : options);
  };
}

function onlyAbortSignal(options: unknown): AbortSignal | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const { abortSignal, ...rest } = options as { abortSignal?: AbortSignal };
  return abortSignal !== undefined && Object.keys(rest).length === 0 ? abortSignal : undefined;
}

function untilAborted<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    call.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The error the SDK rejects an aborted call with. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('Request aborted', { cause: signal.reason }), { name: 'AbortError' });
}
