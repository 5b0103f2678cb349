/**
 * Groups AWS calls (an `AwsRequestCounter` snapshot, by `Service.Command`) into the billing
 * classes the report and the cost model use.
 */

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
 * Sorts calls by class.
 *
 * @example
 * awsCalls({ 'S3.PutObject': 2, 'DynamoDB.PutItem': 2 }).dynamodbWrite; // 2
 */
export function awsCalls(counts: Record<string, number>): AwsCalls {
  const count = (name: string) => counts[name] ?? 0;
  const sum = (commands: readonly string[]) =>
    commands.reduce((total, command) => total + count(`DynamoDB.${command}`), 0);
  return {
    s3Put: count('S3.PutObject'),
    s3Get: count('S3.GetObject'),
    dynamodbWrite: sum(WRITES),
    dynamodbRead: sum(READS),
    raw: counts,
  };
}

/**
 * Divides each class by `operations` (calls per operation); zeros when there were none.
 *
 * @example
 * perOperation(awsCalls(await harness.takeCounts()), 1000).s3Put; // e.g. 1
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
