import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import type { SluiceConfig } from '../config';

/** Counts AWS API calls by `Service.Command`, e.g. `S3.PutObject`. */
export class AwsRequestCounter {
  private readonly counts = new Map<string, number>();

  record(service: string, command: string): void {
    const name = `${service}.${command}`;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
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
  }
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
 * @example
 * const counter = new AwsRequestCounter();
 * const clients = createAwsClients(configFromEnv(), { counter });
 */
export function createAwsClients(
  config: SluiceConfig,
  opts: { counter?: AwsRequestCounter } = {},
): AwsClients {
  const local = config.endpoint !== undefined;
  const common = {
    region: config.region,
    endpoint: config.endpoint,
    maxAttempts: 5,
    cacheMiddleware: true,
    ...(local && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'sluice', secretAccessKey: 'sluice-local' } }
      : {}),
  };
  const s3 = new S3Client({
    ...common,
    forcePathStyle: local,
    expectContinueHeader: false,
    ...(local
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
  const dynamodb = new DynamoDBClient(common);
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

/** One count per logical API call (SDK retries of the same call are not counted twice). */
function countingMiddleware(
  service: string,
  counter: AwsRequestCounter,
): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    counter.record(service, String(context.commandName ?? 'Unknown').replace(/Command$/, ''));
    return next(args);
  };
}
