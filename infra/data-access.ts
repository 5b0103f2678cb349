import * as iam from 'aws-cdk-lib/aws-iam';
import { META_PARTITION_KEYS, SEGMENT_PREFIX } from '../shared/storage/schema';

export { SEGMENT_PREFIX };

/** What one Sluice function does with the data, and so all its role may do with it. */
export type SluiceDataAccess =
  /** The HTTP API: produce, fetch, topic and group administration, wake-on-produce claims. */
  | { readonly kind: 'http' }
  /** One consumer group's poller: its group's items, topic lookups, fetch, dead letters. */
  | { readonly kind: 'poller'; readonly group: string }
  /** The retention sweeper: lists topics, drops slots and segments, forgets deleted topics. */
  | { readonly kind: 'sweeper' }
  /**
   * The stream dispatcher: looks up the stream groups' topics (the stream reads come with its
   * event source mapping, the invokes with each group).
   */
  | { readonly kind: 'dispatcher' };

/**
 * The AWS SDK commands each function's bundle can send: every `…Command` that a module in
 * the bundle imports from `@aws-sdk/client-*` (`test/infra/least-privilege.test.ts` derives
 * this from esbuild's metafile and compares). A bundle holds whole modules, so this is an
 * upper bound: the poller bundle holds the topic registry, which can create topics, though the
 * poller never does. The grants below take only what each function's code paths send, with
 * the reason beside each statement; docs/security.md has the same table.
 */
export const BUNDLE_SDK_COMMANDS = {
  http: {
    s3: ['DeleteObject', 'GetObject', 'ListObjectsV2', 'PutObject'],
    dynamodb: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'],
    lambda: ['Invoke'],
  },
  poller: {
    s3: ['DeleteObject', 'GetObject', 'ListObjectsV2', 'PutObject'],
    dynamodb: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'],
    lambda: ['Invoke'],
  },
  sweeper: {
    s3: ['DeleteObject', 'GetObject', 'ListObjectsV2', 'PutObject'],
    dynamodb: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'],
    lambda: [],
  },
  dispatcher: {
    s3: ['DeleteObject', 'GetObject', 'ListObjectsV2', 'PutObject'],
    dynamodb: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'],
    lambda: ['Invoke'],
  },
} as const satisfies Record<
  SluiceDataAccess['kind'],
  Record<'s3' | 'dynamodb' | 'lambda', readonly string[]>
>;

/**
 * The IAM actions a command needs. `TransactWriteItems` is authorized per item, by the
 * action of each item's kind (Sluice's transactions hold Put and Delete items only).
 */
export const COMMAND_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'S3:GetObject': ['s3:GetObject'],
  'S3:PutObject': ['s3:PutObject'],
  'S3:DeleteObject': ['s3:DeleteObject'],
  'S3:ListObjectsV2': ['s3:ListBucket'],
  'DynamoDB:GetItem': ['dynamodb:GetItem'],
  'DynamoDB:PutItem': ['dynamodb:PutItem'],
  'DynamoDB:UpdateItem': ['dynamodb:UpdateItem'],
  'DynamoDB:DeleteItem': ['dynamodb:DeleteItem'],
  'DynamoDB:Query': ['dynamodb:Query'],
  'DynamoDB:TransactWriteItems': ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
  'Lambda:Invoke': ['lambda:InvokeFunction'],
};

/** The resources a data grant names. */
export interface DataResources {
  readonly bucketArn: string;
  readonly logTableArn: string;
  readonly metaTableArn: string;
  readonly keyArn?: string;
}

/** One statement of a function's data access, with why it is needed. */
export interface DataStatement {
  readonly sid: string;
  readonly why: string;
  readonly statement: iam.PolicyStatement;
}

/** `dynamodb:LeadingKeys` limited to exactly these partition keys. */
function leadingKeys(keys: string[]): Record<string, unknown> {
  return { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': keys } };
}

/** The partition key of every meta-table item of one consumer group. */
export function groupPartitionKey(group: string): string {
  return `${META_PARTITION_KEYS.groupPrefix}${group}`;
}

/**
 * The statements of one function's data access (lambda:InvokeFunction is granted where the
 * invoked function is known: the wake targets and each group's handler).
 *
 * @example
 * for (const { statement } of dataAccessStatements({ kind: 'sweeper' }, resources)) role.addToPrincipalPolicy(statement);
 */
export function dataAccessStatements(access: SluiceDataAccess, r: DataResources): DataStatement[] {
  const segments = `${r.bucketArn}/${SEGMENT_PREFIX}*`;
  const out: DataStatement[] = [];
  const add = (sid: string, why: string, props: iam.PolicyStatementProps) =>
    out.push({ sid, why, statement: new iam.PolicyStatement({ sid, ...props }) });

  if (access.kind === 'dispatcher') {
    add('ReadTopics', "maps the log keys' topic ids to the stream groups' topics", {
      actions: ['dynamodb:GetItem'],
      resources: [r.metaTableArn],
      conditions: leadingKeys([META_PARTITION_KEYS.topic]),
    });
  } else if (access.kind === 'sweeper') {
    add('DeleteSegments', 'deletes segment objects past retention and those of deleted topics', {
      actions: ['s3:DeleteObject'],
      resources: [segments],
    });
    add('ListSegments', "lists a deleted topic's segment objects (ListObjectsV2 under segments/<topicId>/)", {
      actions: ['s3:ListBucket'],
      resources: [r.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${SEGMENT_PREFIX}*`] } },
    });
    add(
      'SweepLog',
      "walks slots (Query), moves the log start and slots' TTLs (UpdateItem), drops slots and sequencers (DeleteItem)",
      {
        actions: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [r.logTableArn],
      },
    );
    add('ListTopics', 'lists live and deleted topics', {
      actions: ['dynamodb:Query'],
      resources: [r.metaTableArn],
      conditions: leadingKeys([META_PARTITION_KEYS.topic, META_PARTITION_KEYS.deletedTopic]),
    });
    add('SettleTopicExpiry', "drops a topic's mark once the TTLs of its slots follow a raised retention", {
      actions: ['dynamodb:UpdateItem'],
      resources: [r.metaTableArn],
      conditions: leadingKeys([META_PARTITION_KEYS.topic]),
    });
    add('ForgetDeletedTopics', "removes a deleted topic's marker once its data is gone", {
      actions: ['dynamodb:DeleteItem'],
      resources: [r.metaTableArn],
      conditions: leadingKeys([META_PARTITION_KEYS.deletedTopic]),
    });
  } else {
    add(
      'ReadWriteSegments',
      access.kind === 'http' ? 'fetch reads, produce writes' : 'fetch reads, dead letters write',
      {
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [segments],
      },
    );
    add('MissingSegmentIs404', 'lets S3 answer 404 NoSuchKey (not 403) for a segment retention removed', {
      actions: ['s3:ListBucket'],
      resources: [r.bucketArn],
    });
    add('ReadWriteLog', 'reserve (UpdateItem), commit and void slots (PutItem), read slots (Query)', {
      actions: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [r.logTableArn],
    });
    if (access.kind === 'http') {
      add(
        'ReadWriteMeta',
        'topics (create and delete are Put/Delete transactions), producer state, every consumer group',
        {
          actions: [
            'dynamodb:GetItem',
            'dynamodb:Query',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
          ],
          resources: [r.metaTableArn],
        },
      );
    } else {
      add('OwnGroup', "leases, members and the poller marker of this group's items only", {
        actions: [
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ],
        resources: [r.metaTableArn],
        conditions: leadingKeys([groupPartitionKey(access.group)]),
      });
      add('RegisterGroup', 'checks that the group is listed, and lists it when a member joins', {
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [r.metaTableArn],
        conditions: leadingKeys([META_PARTITION_KEYS.groupList]),
      });
      add('ReadTopics', 'looks up the topics it consumes and its dead-letter topic', {
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [r.metaTableArn],
        conditions: leadingKeys([META_PARTITION_KEYS.topic]),
      });
    }
  }
  if (r.keyArn) {
    add('UseDataKey', 'the customer managed key of the bucket and tables', {
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [r.keyArn],
    });
  }
  return out;
}
