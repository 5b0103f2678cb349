import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';

/**
 * Every item under one partition key of the meta table, following pagination. For the small
 * administrative partitions (topics, one group's leases and members): never on a hot path
 * whose size grows with history.
 *
 * @example
 * const topics = await queryAll(dynamodb, config.metaTable, 'topic', { consistent: true });
 */
export async function queryAll(
  dynamodb: DynamoDBClient,
  table: string,
  pk: string,
  options: { consistent?: boolean } = {},
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ExclusiveStartKey: start,
        ConsistentRead: options.consistent,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
