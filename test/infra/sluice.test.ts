import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { SLUICE_ROUTES, type Sluice } from '../../infra';
import { HTTP_HANDLER_ENTRY, REPO_ROOT } from '../../infra/sluice-function';
import {
  LOG_TABLE_KEYS,
  LOG_TABLE_TTL_ATTRIBUTE,
  META_TABLE_KEYS,
  META_TABLE_TTL_ATTRIBUTE,
} from '../../shared/storage/schema';
import { type CfnJson, dashboardWidgets, resourcesOf, synthSluice } from './support';

let template: Template;
let sluice: Sluice;

beforeAll(() => {
  ({ template, sluice } = synthSluice({}, 'Orders'));
});

describe('the data bucket', () => {
  it('encrypts every object with SSE-S3 by default', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('blocks every kind of public access and disables ACLs', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('denies requests without TLS, and below TLS 1.2', () => {
    const policy = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy'))[0];
    const statements = policy.Properties.PolicyDocument.Statement as Record<string, CfnJson>[];
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
        }),
      ]),
    );
  });

  it('aborts incomplete multipart uploads after one day and expires nothing by default', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'abort-incomplete-multipart-uploads',
            Status: 'Enabled',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
    });
  });

  it('is retained when the stack is deleted', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('the DynamoDB tables', () => {
  const keySchema = (keys: typeof LOG_TABLE_KEYS | typeof META_TABLE_KEYS) => ({
    KeySchema: [
      { AttributeName: keys.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: keys.sortKey.name, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: keys.partitionKey.name, AttributeType: keys.partitionKey.type },
      { AttributeName: keys.sortKey.name, AttributeType: keys.sortKey.type },
    ],
  });

  it('are the log table (pk S, sk N) and the meta table (pk S, sk S) of shared/storage/schema.ts', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.hasResourceProperties('AWS::DynamoDB::Table', keySchema(LOG_TABLE_KEYS));
    template.hasResourceProperties('AWS::DynamoDB::Table', keySchema(META_TABLE_KEYS));
  });

  it('expire idle producer state and retained inline slots and voids: TTL on the attributes the log index writes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      ...keySchema(META_TABLE_KEYS),
      TimeToLiveSpecification: { AttributeName: META_TABLE_TTL_ATTRIBUTE, Enabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      ...keySchema(LOG_TABLE_KEYS),
      TimeToLiveSpecification: { AttributeName: LOG_TABLE_TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('bill on demand, keep point-in-time recovery, are deletion protected and retained', () => {
    for (const [id] of Object.entries(resourcesOf(template, 'AWS::DynamoDB::Table'))) {
      const table = template.toJSON().Resources[id];
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(table.Properties.ProvisionedThroughput).toBeUndefined();
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('the HTTP API function', () => {
  it('is the module functions/http/handler.ts, which exports handler', () => {
    expect(HTTP_HANDLER_ENTRY).toBe(path.join(REPO_ROOT, 'functions', 'http', 'handler.ts'));
    expect(sluice.apiFunction.entry).toBe(HTTP_HANDLER_ENTRY);
    const source = fs.readFileSync(HTTP_HANDLER_ENTRY, 'utf8');
    expect(source).toMatch(/export (async function handler\b|const handler\b|\{[^}]*\bhandler\b)/);
  });

  it('runs the same router as the local server (shared/http/router.ts)', () => {
    const source = fs.readFileSync(HTTP_HANDLER_ENTRY, 'utf8');
    expect(source).toMatch(/from '\.\.\/\.\.\/shared\/http\/router'/);
  });

  it('runs Node.js 22 on arm64 with the SLUICE_* configuration', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 29,
      MemorySize: 1024,
      Environment: {
        Variables: {
          SLUICE_CLUSTER_ID: 'orders',
          SLUICE_BUCKET: { Ref: Match.stringLikeRegexp('^SluiceDataBucket') },
          SLUICE_LOG_TABLE: { Ref: Match.stringLikeRegexp('^SluiceLogTable') },
          SLUICE_META_TABLE: { Ref: Match.stringLikeRegexp('^SluiceMetaTable') },
          SLUICE_MAX_REQUEST_BYTES: '4669440',
          SLUICE_WAKE_TARGETS: '[]',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('has no AWS managed policy and writes logs only to its own log group', () => {
    for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^SluiceApiFunctionLogs') } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('the HTTPS endpoint', () => {
  it('requires IAM authorization on every route', () => {
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route'));
    expect(routes.length).toBe(SLUICE_ROUTES.length);
    for (const route of routes) {
      expect({ route: route.Properties.RouteKey, auth: route.Properties.AuthorizationType }).toEqual({
        route: route.Properties.RouteKey,
        auth: 'AWS_IAM',
      });
    }
  });

  it('has a route for each operation of the HTTP API contract', () => {
    const keys = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    );
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /v3/clusters/{cluster_id}/topics',
        'GET /v3/clusters/{cluster_id}/topics',
        'GET /v3/clusters/{cluster_id}/topics/{topic}',
        'DELETE /v3/clusters/{cluster_id}/topics/{topic}',
        'GET /v3/clusters/{cluster_id}/topics/{topic}/partitions',
        'POST /v3/clusters/{cluster_id}/topics/{topic}/records',
        'POST /v3/clusters/{cluster_id}/topics/{topic}/{action}',
        'POST /topics/{topic}',
        'GET /v3/clusters/{cluster_id}/topics/{topic}/partitions/{partition}/records',
        'GET /v3/clusters/{cluster_id}/consumer-groups',
        'GET /v3/clusters/{cluster_id}/consumer-groups/{group}/lags',
        'GET /v3/clusters/{cluster_id}/consumer-groups/{group}/lag-summary',
        'POST /v3/clusters/{cluster_id}/consumer-groups/{group}/members',
        'POST /v3/clusters/{cluster_id}/consumer-groups/{group}/members/{member_id}/heartbeat',
        'POST /v3/clusters/{cluster_id}/consumer-groups/{group}/members/{member_id}/offsets',
        'DELETE /v3/clusters/{cluster_id}/consumer-groups/{group}/members/{member_id}',
      ]),
    );
    expect(keys).not.toContain('$default');
    expect(keys.filter((k) => k.startsWith('ANY ') || k.includes('+}'))).toEqual([]);
  });

  it('sends payload format 2.0 events to the HTTP function through one integration', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SluiceApiFunction'), 'Arn'] },
    });
    const apiPermissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(apiPermissions).toHaveLength(1);
  });

  it('has an explicit $default stage with JSON access logs and throttling', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SluiceAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
    const format = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'))[0].Properties
      .AccessLogSettings.Format;
    expect(Object.keys(JSON.parse(format))).toEqual(
      expect.arrayContaining(['requestId', 'caller', 'status', 'routeKey']),
    );
  });
});

describe('monitoring', () => {
  it('alarms on the HTTP and retention functions errors and throttles and on each table throttling', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
    const names = alarms.map((a) => a.Properties.MetricName ?? 'math');
    expect(names.filter((n) => n === 'Errors')).toHaveLength(2);
    expect(names.filter((n) => n === 'Throttles')).toHaveLength(2);
    const tableAlarms = alarms.filter((a) => a.Properties.Metrics);
    expect(tableAlarms).toHaveLength(2);
    for (const alarm of tableAlarms) {
      const metricNames = (alarm.Properties.Metrics as CfnJson[])
        .filter((m) => m.MetricStat)
        .map((m) => m.MetricStat.Metric.MetricName);
      expect(metricNames.sort()).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    }
    expect(sluice.alarms).toHaveLength(6);
  });

  it('has a dashboard with produce and consume rates, voided offsets, latency and lag', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const widgets = dashboardWidgets(template);
    const metricsOf = (title: RegExp) =>
      widgets
        .find((w) => title.test(w.properties.title))
        ?.properties.metrics?.map((m: unknown[]) => m.slice(0, 2));
    expect(metricsOf(/^Produced and consumed/)).toEqual([
      ['Sluice', 'ProducedRecords'],
      ['Sluice', 'ConsumedRecords'],
      ['Sluice', 'VoidedOffsets'],
    ]);
    expect(metricsOf(/^Produce latency p99/)).toEqual([['Sluice', 'ProduceLatency']]);
    expect(widgets.map((w) => w.properties.title)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Consumer lag/),
        expect.stringMatching(/^Dead-lettered/),
      ]),
    );
  });

  it('exposes the custom metrics in namespace Sluice with dimension ClusterId', () => {
    expect(sluice.metricProducedRecords()).toMatchObject({
      namespace: 'Sluice',
      metricName: 'ProducedRecords',
      statistic: 'Sum',
      dimensions: { ClusterId: 'orders' },
    });
    expect(sluice.metricProduceLatency()).toMatchObject({
      metricName: 'ProduceLatency',
      statistic: 'p99',
      unit: 'Milliseconds',
    });
    expect(sluice.metricConsumedRecords()).toMatchObject({ metricName: 'ConsumedRecords', statistic: 'Sum' });
    expect(sluice.metricVoidedOffsets()).toMatchObject({
      metricName: 'VoidedOffsets',
      statistic: 'Sum',
      dimensions: { ClusterId: 'orders' },
    });
    expect(sluice.metricConsumerLag('g1')).toMatchObject({
      metricName: 'ConsumerLag',
      statistic: 'Maximum',
      dimensions: { ClusterId: 'orders', ConsumerGroup: 'g1' },
    });
    expect(sluice.metricDeadLetteredRecords('g1')).toMatchObject({
      metricName: 'DeadLetteredRecords',
      statistic: 'Sum',
      dimensions: { ClusterId: 'orders', ConsumerGroup: 'g1' },
    });
  });
});

describe('outputs', () => {
  it('publish the endpoint URL, cluster id, bucket and table names', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const byPrefix = (p: string) => Object.entries(outputs).find(([k]) => k.startsWith(p))?.[1].Value;
    expect(JSON.stringify(byPrefix('SluiceEndpointUrl'))).toContain('.execute-api.');
    expect(byPrefix('SluiceClusterId')).toBe('orders');
    expect(byPrefix('SluiceBucketName')).toEqual({ Ref: expect.stringMatching(/^SluiceDataBucket/) });
    expect(byPrefix('SluiceLogTableName')).toEqual({ Ref: expect.stringMatching(/^SluiceLogTable/) });
    expect(byPrefix('SluiceMetaTableName')).toEqual({ Ref: expect.stringMatching(/^SluiceMetaTable/) });
  });
});

describe('the retention sweeper', () => {
  const retentionFunctionId = () =>
    Stack.of(sluice).getLogicalId(sluice.retentionFunction.function.node.defaultChild as CfnResource);

  it('deploys the retention handler, run every five minutes by a schedule with no retries', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('retention\\.ms'),
      Timeout: 300,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [retentionFunctionId(), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [retentionFunctionId(), 'Arn'] },
    });
  });

  it('may delete segment objects and index items, and read no object', () => {
    const role = sluice.retentionFunction.function.role?.node.defaultChild as CfnResource;
    const roleId = Stack.of(sluice).getLogicalId(role);
    const actions = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, CfnJson>[])
      .flatMap((st) => st.Action);
    expect(actions).toEqual(
      expect.arrayContaining(['s3:DeleteObject', 'dynamodb:Query', 'dynamodb:DeleteItem']),
    );
    expect(actions).not.toContain('s3:GetObject');
    expect(actions).not.toContain('s3:PutObject');
  });

  it('runs on the retentionSchedule prop, in whole minutes', () => {
    const { template: custom } = synthSluice({ retentionSchedule: Duration.minutes(15) }, 'Custom');
    custom.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    expect(() => synthSluice({ retentionSchedule: Duration.seconds(30) }, 'TooOften')).toThrow(
      /retentionSchedule must be a whole number of minutes/,
    );
  });
});
