import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Sluice, type SluiceProps } from '../../infra';
import {
  DEFAULT_CONSUMER_INSTANCE_TIMEOUT_MS,
  MAX_CONSUMER_INSTANCE_TIMEOUT_MS,
  MAX_REQUEST_BODY_BYTES,
  MIN_CONSUMER_INSTANCE_TIMEOUT_MS,
} from '../../infra/sluice-props';
import { configFromEnv } from '../../shared/config';
import { MAX_REQUEST_BODY_BYTES as SERVER_MAX_REQUEST_BODY_BYTES } from '../../shared/log/limits';
import { type CfnJson, newApp, resourcesOf, synthSluice } from './support';

describe('clusterId', () => {
  it('defaults to the stack name in lower case', () => {
    expect(new Sluice(new Stack(newApp(), 'ShopEvents'), 'Sluice').clusterId).toBe('shopevents');
  });

  it('falls back to "sluice" when the stack name is no valid cluster id', () => {
    const stack = new Stack(newApp(), 'Shop', { stackName: `s${'x'.repeat(70)}` });
    expect(new Sluice(stack, 'Sluice').clusterId).toBe('sluice');
  });

  it('accepts [a-zA-Z0-9_-] and rejects anything else, naming the prop', () => {
    expect(new Sluice(new Stack(newApp(), 'A'), 'Sluice', { clusterId: 'Prod_eu-1' }).clusterId).toBe(
      'Prod_eu-1',
    );
    for (const bad of ['', 'a.b', 'a/b', 'x'.repeat(65)]) {
      expect(() => new Sluice(new Stack(newApp(), 'B'), 'Sluice', { clusterId: bad })).toThrow(
        /Sluice: clusterId/,
      );
    }
  });
});

describe('prop validation', () => {
  it.each<[keyof SluiceProps | `provisionedCapacity.${string}`, SluiceProps]>([
    ['apiMemorySize', { apiMemorySize: 64 }],
    ['pollerMemorySize', { pollerMemorySize: 20_000 }],
    ['maxRequestBytes', { maxRequestBytes: 4_669_440 + 1 }],
    ['inlineSectionMaxBytes', { inlineSectionMaxBytes: 300 * 1024 + 1 }],
    ['inlineSectionMaxBytes', { inlineSectionMaxBytes: -1 }],
    ['throttlingRateLimit', { throttlingRateLimit: 0 }],
    ['throttlingBurstLimit', { throttlingBurstLimit: 1.5 }],
    ['lagAlarmThreshold', { lagAlarmThreshold: -1 }],
    ['pollerTimeout', { pollerTimeout: Duration.seconds(30) }],
    ['pollerTimeout', { pollerTimeout: Duration.minutes(16) }],
    ['segmentExpiration', { segmentExpiration: Duration.hours(12) }],
    ['consumerInstanceTimeout', { consumerInstanceTimeout: Duration.seconds(29) }],
    ['consumerInstanceTimeout', { consumerInstanceTimeout: Duration.minutes(31) }],
    ['consumerInstanceTimeout', { consumerInstanceTimeout: Duration.millis(30_000.5) }],
    ['serverAccessLogsPrefix', { serverAccessLogsPrefix: 'x/' }],
    ['provisionedCapacity', { provisionedCapacity: {} }],
    [
      'provisionedCapacity.targetUtilizationPercent',
      {
        provisionedCapacity: {
          targetUtilizationPercent: 95,
          logTable: { maxReadCapacity: 5, maxWriteCapacity: 5 },
        },
      },
    ],
    [
      'provisionedCapacity.logTable.minReadCapacity',
      { provisionedCapacity: { logTable: { minReadCapacity: 0, maxReadCapacity: 5, maxWriteCapacity: 5 } } },
    ],
    [
      'provisionedCapacity.metaTable.maxWriteCapacity',
      {
        provisionedCapacity: { metaTable: { minWriteCapacity: 10, maxReadCapacity: 5, maxWriteCapacity: 5 } },
      },
    ],
    [
      'provisionedCapacity.metaTable.maxReadCapacity',
      { provisionedCapacity: { metaTable: { maxWriteCapacity: 5 } as never } },
    ],
    [
      'provisionedCapacity.logTable.maxWriteCapacity',
      { provisionedCapacity: { logTable: { maxReadCapacity: 5, maxWriteCapacity: 40_001 } } },
    ],
  ])('rejects a bad %s with a message naming it', (prop, props) => {
    expect(() => new Sluice(new Stack(newApp(), 'V'), 'Sluice', props)).toThrow(
      new RegExp(`Sluice: ${prop}`),
    );
  });
});

describe('provisionedCapacity', () => {
  const capacity = { minReadCapacity: 2, maxReadCapacity: 40, minWriteCapacity: 5, maxWriteCapacity: 50 };

  it('provisions the named table, auto-scaled within its range on utilization, and leaves the other on demand', () => {
    const { stack, sluice, template } = synthSluice({ provisionedCapacity: { logTable: capacity } });
    const tables = template.toJSON().Resources;
    const log = tables[stack.getLogicalId(sluice.logTable.node.defaultChild as never)].Properties;
    const meta = tables[stack.getLogicalId(sluice.metaTable.node.defaultChild as never)].Properties;
    // CloudFormation's default billing mode is provisioned, which the CDK leaves unsaid.
    expect(log.BillingMode ?? 'PROVISIONED').toBe('PROVISIONED');
    expect(log.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 2, WriteCapacityUnits: 5 });
    expect(meta.BillingMode).toBe('PAY_PER_REQUEST');
    expect(meta.ProvisionedThroughput).toBeUndefined();

    const targets = Object.values(resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalableTarget'));
    expect(
      targets
        .map((t) => [t.Properties.ScalableDimension, t.Properties.MinCapacity, t.Properties.MaxCapacity])
        .sort(),
    ).toEqual([
      ['dynamodb:table:ReadCapacityUnits', 2, 40],
      ['dynamodb:table:WriteCapacityUnits', 5, 50],
    ]);
    for (const target of targets)
      expect(JSON.stringify(target.Properties.ResourceId)).toContain(
        stack.getLogicalId(sluice.logTable.node.defaultChild as never),
      );
    const policies = Object.values(resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'));
    expect(policies.map((p) => p.Properties.TargetTrackingScalingPolicyConfiguration.TargetValue)).toEqual([
      70, 70,
    ]);
    expect(
      policies
        .map(
          (p) =>
            p.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification
              .PredefinedMetricType,
        )
        .sort(),
    ).toEqual(['DynamoDBReadCapacityUtilization', 'DynamoDBWriteCapacityUtilization']);
  });

  it('provisions both tables at one unit each by default, at the utilization given', () => {
    const range = { maxReadCapacity: 10, maxWriteCapacity: 10 };
    const { template } = synthSluice({
      provisionedCapacity: { logTable: range, metaTable: range, targetUtilizationPercent: 50 },
    });
    for (const table of Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'))) {
      expect(table.Properties.BillingMode ?? 'PROVISIONED').toBe('PROVISIONED');
      expect(table.Properties).toMatchObject({
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
    expect(Object.keys(resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalableTarget'))).toHaveLength(4);
    for (const policy of Object.values(resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'))) {
      expect(policy.Properties.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(50);
    }
  });

  it('passes cdk-nag', () => {
    const range = { maxReadCapacity: 10, maxWriteCapacity: 10 };
    const { stack } = synthSluice({ provisionedCapacity: { logTable: range, metaTable: range } });
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('with a customer managed KMS key', () => {
  const { template } = (() => {
    const stack = new Stack(newApp(), 'Kms');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new Sluice(stack, 'Sluice', { encryptionKey: key });
    return { template: Template.fromStack(stack) };
  })();

  it('encrypts the bucket with SSE-KMS and an S3 Bucket Key', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': ['Key961B73FD', 'Arn'] },
            },
          },
        ],
      },
    });
  });

  it('encrypts both tables with the key', () => {
    const tables = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(2);
    for (const t of tables) {
      expect(t.Properties.SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': ['Key961B73FD', 'Arn'] },
      });
    }
  });

  it('lets the functions use the key, with named actions only', () => {
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Record<string, CfnJson>[],
    );
    const onKey = statements.filter((st) => JSON.stringify(st.Resource).includes('Key961B73FD'));
    expect([...new Set(onKey.flatMap((st) => st.Action))].sort()).toEqual([
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    ]);
  });
});

describe('removal and retention props', () => {
  it('can make a disposable stack: DESTROY without deletion protection', () => {
    const { template } = synthSluice({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    for (const t of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      expect(t.DeletionPolicy).toBe('Delete');
      expect(t.Properties.DeletionProtectionEnabled).toBe(false);
    }
  });

  it('warns that DESTROY with deletion protection cannot delete the tables', () => {
    const stack = new Stack(newApp(), 'Both');
    new Sluice(stack, 'Sluice', { removalPolicy: RemovalPolicy.DESTROY });
    Annotations.fromStack(stack).hasWarning(
      '/Both/Sluice',
      Match.stringLikeRegexp('deletionProtection is on'),
    );
  });

  it('adds the segment expiration backstop and extra lifecycle rules after the multipart rule', () => {
    const { template } = synthSluice({
      segmentExpiration: Duration.days(30),
      lifecycleRules: [
        {
          id: 'ia',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(31) },
          ],
        },
      ],
    });
    const rules = Object.values(resourcesOf(template, 'AWS::S3::Bucket'))[0].Properties.LifecycleConfiguration
      .Rules;
    expect(rules.map((r: { Id: string }) => r.Id)).toEqual([
      'abort-incomplete-multipart-uploads',
      'segment-expiration-backstop',
      'ia',
    ]);
    expect(rules[1]).toMatchObject({ ExpirationInDays: 30, Status: 'Enabled' });
  });

  it('sends server access logs to a given bucket', () => {
    const stack = new Stack(newApp(), 'Logs');
    const logs = s3.Bucket.fromBucketName(stack, 'AccessLogs', 'my-access-logs');
    new Sluice(stack, 'Sluice', { serverAccessLogsBucket: logs });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: 'my-access-logs', LogFilePrefix: 'sluice-data/' },
    });
  });
});

describe('endpoint props', () => {
  it('applies the throttling props to the $default stage', () => {
    const { template } = synthSluice({ throttlingRateLimit: 50, throttlingBurstLimit: 100 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('opens every route only when allowUnauthenticatedAccess is set, with a warning', () => {
    const stack = new Stack(newApp(), 'Open');
    new Sluice(stack, 'Sluice', { allowUnauthenticatedAccess: true });
    for (const route of Object.values(resourcesOf(Template.fromStack(stack), 'AWS::ApiGatewayV2::Route'))) {
      expect(route.Properties.AuthorizationType).toBe('NONE');
    }
    Annotations.fromStack(stack).hasWarning(
      '/Open/Sluice',
      Match.stringLikeRegexp('anyone who finds the endpoint'),
    );
  });

  it("defaults maxRequestBytes to the server's own limit: what fits a Lambda event", () => {
    expect(MAX_REQUEST_BODY_BYTES).toBe(SERVER_MAX_REQUEST_BODY_BYTES);
    expect(configFromEnv({}).maxRequestBytes).toBe(MAX_REQUEST_BODY_BYTES);
    // A body base64-encoded in the event, with the envelope's room, still fits 6 MB.
    expect(4 * Math.ceil(MAX_REQUEST_BODY_BYTES / 3) + 64 * 1024).toBeLessThanOrEqual(6 * 1024 * 1024);
    expect(
      () => new Sluice(new Stack(newApp(), 'M'), 'Sluice', { maxRequestBytes: MAX_REQUEST_BODY_BYTES }),
    ).not.toThrow();
  });

  it('passes maxRequestBytes to the functions', () => {
    const { template } = synthSluice({ maxRequestBytes: 1_000_000 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SLUICE_MAX_REQUEST_BYTES: '1000000' }) },
    });
  });
});

describe('inline slots', () => {
  it('give every function the measured default threshold', () => {
    const { template } = synthSluice({});
    const functions = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.SLUICE_CLUSTER_ID !== undefined,
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.SLUICE_INLINE_SECTION_MAX_BYTES).toBe('2048');
    }
  });

  it('pass inlineSectionMaxBytes to the functions, 0 sending every produce to S3', () => {
    const { template } = synthSluice({ inlineSectionMaxBytes: 0 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SLUICE_INLINE_SECTION_MAX_BYTES: '0' }) },
    });
  });
});

describe('consumerInstanceTimeout', () => {
  /** The SLUICE_CONSUMER_INSTANCE_TIMEOUT_MS of every Sluice function, by whether it is the HTTP function. */
  function instanceTimeouts(props: SluiceProps) {
    const { stack, sluice, template } = synthSluice(props);
    const httpId = stack.getLogicalId(sluice.apiFunction.function.node.defaultChild as never);
    const functions = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(
      ([, fn]) => fn.Properties.Environment?.Variables?.SLUICE_CLUSTER_ID !== undefined,
    );
    const timeoutOf = (fn: CfnJson) =>
      fn.Properties.Environment.Variables.SLUICE_CONSUMER_INSTANCE_TIMEOUT_MS;
    return {
      http: functions.filter(([id]) => id === httpId).map(([, fn]) => timeoutOf(fn)),
      others: functions.filter(([id]) => id !== httpId).map(([, fn]) => timeoutOf(fn)),
    };
  }

  it("gives the HTTP function Confluent's default, the server's own default, when unset", () => {
    expect(DEFAULT_CONSUMER_INSTANCE_TIMEOUT_MS).toBe(configFromEnv({}).consumerInstanceTimeoutMs);
    const { http, others } = instanceTimeouts({});
    expect(http).toEqual(['300000']);
    // The other functions serve no consumer instance.
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((timeout) => timeout === undefined)).toBe(true);
  });

  it('reaches the HTTP function in milliseconds, and the server reads it back', () => {
    const { http } = instanceTimeouts({ consumerInstanceTimeout: Duration.minutes(10) });
    expect(http).toEqual(['600000']);
    expect(configFromEnv({ SLUICE_CONSUMER_INSTANCE_TIMEOUT_MS: http[0] }).consumerInstanceTimeoutMs).toBe(
      600_000,
    );
  });

  it('accepts both bounds', () => {
    for (const ms of [MIN_CONSUMER_INSTANCE_TIMEOUT_MS, MAX_CONSUMER_INSTANCE_TIMEOUT_MS]) {
      expect(instanceTimeouts({ consumerInstanceTimeout: Duration.millis(ms) }).http).toEqual([String(ms)]);
    }
  });
});

describe('alarm actions', () => {
  it('notify the alarm topic on alarm and on recovery', () => {
    const stack = new Stack(newApp(), 'Alarms');
    const topic = new sns.Topic(stack, 'Pager', { enforceSSL: true });
    const sluice = new Sluice(stack, 'Sluice', { alarmTopic: topic });
    const alarms = Object.values(resourcesOf(Template.fromStack(stack), 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(sluice.alarms.length);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
    }
  });
});
