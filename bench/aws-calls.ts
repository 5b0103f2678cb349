/**
 * Groups the AWS calls an {@link AwsRequestCounter} saw into the billing classes the report
 * and the cost model use.
 */
import type { AwsRequestCounter } from '../shared/storage/aws';

/** AWS calls by billing class. */
export interface AwsCalls {
  readonly s3Put: number;
  readonly s3Get: number;
  /** PutItem, UpdateItem, DeleteItem, TransactWriteItems (per call), BatchWriteItem. */
  readonly dynamodbWrite: number;
  /** Query, GetItem, Scan, BatchGetItem, TransactGetItems. */
  readonly dynamodbRead: number;
  /** Every call, by `Service.Command`, for the record. */
  readonly raw: Record<string, number>;
}

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem'];
const READS = ['Query', 'GetItem', 'Scan', 'BatchGetItem', 'TransactGetItems'];

/**
 * Reads the counter's calls by class.
 *
 * @example
 * counter.reset(); await work(); const calls = awsCalls(counter);
 */
export function awsCalls(counter: AwsRequestCounter): AwsCalls {
  const sum = (commands: readonly string[]) =>
    commands.reduce((total, command) => total + counter.count(`DynamoDB.${command}`), 0);
  return {
    s3Put: counter.count('S3.PutObject'),
    s3Get: counter.count('S3.GetObject'),
    dynamodbWrite: sum(WRITES),
    dynamodbRead: sum(READS),
    raw: counter.snapshot(),
  };
}

/**
 * Divides each class by `operations` (calls per operation); zeros when there were none.
 *
 * @example
 * perOperation(awsCalls(counter), 1000).s3Put; // e.g. 1
 */
export function perOperation(calls: AwsCalls, operations: number): Omit<AwsCalls, 'raw'> {
  const per = (n: number) => (operations > 0 ? n / operations : 0);
  return {
    s3Put: per(calls.s3Put),
    s3Get: per(calls.s3Get),
    dynamodbWrite: per(calls.dynamodbWrite),
    dynamodbRead: per(calls.dynamodbRead),
  };
}
