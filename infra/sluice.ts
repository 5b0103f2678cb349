import {
  Annotations,
  ArnFormat,
  CfnOutput,
  Duration,
  Lazy,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LOG_TABLE_KEYS, META_TABLE_KEYS } from '../shared/storage/schema';
import { checkTopic, resolveConsumerOptions, type SluiceConsumerOptions } from './consumer-options';
import { grantedPaths, SLUICE_ROUTES } from './routes';
import {
  HTTP_HANDLER_ENTRY,
  POLLER_HANDLER_ENTRY,
  RETENTION_HANDLER_ENTRY,
  SluiceFunction,
} from './sluice-function';
import {
  LAMBDA_PAYLOAD_LIMIT,
  resolveClusterId,
  type SluiceConsumer,
  type SluiceFunctionOptions,
  type SluiceProps,
  type SluiceScheduledFunctionOptions,
  validateProps,
} from './sluice-props';

/** CloudWatch namespace of Sluice's custom metrics. */
export const METRICS_NAMESPACE = 'Sluice';

/** Budget of SLUICE_WAKE_TARGETS within Lambda's 4 KB environment (the rest is for SLUICE_*). */
const MAX_WAKE_TARGETS_BYTES = 3_000;

/**
 * Sluice: a serverless event backbone with Apache Kafka's semantics. Creates the data
 * bucket, the two DynamoDB tables, the HTTP API function behind an IAM-authorized HTTPS
 * endpoint, alarms, a dashboard and stack outputs; `addConsumer` adds a poller per
 * consumer group that feeds a Lambda handler with Kafka-shaped events.
 *
 * @example
 * const sluice = new Sluice(this, 'Sluice', { clusterId: 'prod' });
 * sluice.addConsumer('billing', { topics: ['orders'], handler: billingFn, batchSize: 500 });
 * sluice.grantProduce(checkoutRole, ['orders']);
 */
export class Sluice extends Construct {
  /** The cluster id (`/v3/clusters/{cluster_id}`, metric dimension `ClusterId`). */
  readonly clusterId: string;
  /** The S3 bucket holding segment objects. */
  readonly bucket: s3.Bucket;
  /** The partition-log index table (pk S, sk N). */
  readonly logTable: dynamodb.Table;
  /** Topics, producer state and consumer-group leases (pk S, sk S). */
  readonly metaTable: dynamodb.Table;
  /** The function serving the HTTP API. */
  readonly apiFunction: SluiceFunction;
  /** The scheduled retention sweeper (every `retentionSchedule`). */
  readonly retentionFunction: SluiceFunction;
  /** The HTTP API. */
  readonly httpApi: apigwv2.HttpApi;
  /** The `$default` stage (access logs, throttling). */
  readonly stage: apigwv2.HttpStage;
  /** The HTTPS endpoint, ending in `/`. */
  readonly endpointUrl: string;
  /** Access log group of the stage. */
  readonly accessLogGroup: logs.LogGroup;
  /** Every alarm created so far (grows with `addConsumer`). */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The CloudWatch dashboard. */
  readonly dashboard: cloudwatch.Dashboard;
  /** Consumer groups added so far. */
  readonly consumers: SluiceConsumer[] = [];

  private readonly props: SluiceProps;
  private readonly removalPolicy: RemovalPolicy;
  private readonly wakeTargets: { group: string; topics: string[]; functionName: string }[] = [];
  private readonly lagWidget: cloudwatch.GraphWidget;
  private readonly deadLetterWidget: cloudwatch.GraphWidget;

  constructor(scope: Construct, id: string, props: SluiceProps = {}) {
    super(scope, id);
    this.props = props;
    this.clusterId = resolveClusterId(this, props.clusterId);
    validateProps(props);
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deletionProtection = props.deletionProtection ?? true;
    if (this.removalPolicy === RemovalPolicy.DESTROY && deletionProtection) {
      Annotations.of(this).addWarningV2(
        'sluice:destroy-with-deletion-protection',
        'removalPolicy is DESTROY but deletionProtection is on: deleting the stack will fail on the tables. ' +
          'Set deletionProtection: false for a disposable stack.',
      );
    }

    // --- Storage -------------------------------------------------------------------------
    const key = props.encryptionKey;
    this.bucket = new s3.Bucket(this, 'DataBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: key,
      bucketKeyEnabled: key ? true : undefined,
      // Segment objects are immutable (unique keys, never overwritten): versioning would only
      // keep deleted segments around after retention and bill for them.
      versioned: false,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ...(props.segmentExpiration
          ? [{ id: 'segment-expiration-backstop', expiration: props.segmentExpiration }]
          : []),
        ...(props.lifecycleRules ?? []),
      ],
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket
        ? (props.serverAccessLogsPrefix ?? 'sluice-data/')
        : undefined,
      removalPolicy: this.removalPolicy,
    });
    if (!props.serverAccessLogsBucket) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          "Server access logs are opt-in (serverAccessLogsBucket prop). Only this stack's IAM-authorized functions " +
          'read or write segment objects, every API request is already in the API access log, and CloudTrail S3 ' +
          'data events are the better audit trail; access logs would add one log object per segment request.',
      });
    }

    const tableProps = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection,
      // AWS owned key by default: no KMS request charges on the hot path.
      encryption: key ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.DEFAULT,
      encryptionKey: key,
      removalPolicy: this.removalPolicy,
    };
    this.logTable = new dynamodb.Table(this, 'LogTable', {
      ...tableProps,
      partitionKey: { name: LOG_TABLE_KEYS.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LOG_TABLE_KEYS.sortKey.name, type: dynamodb.AttributeType.NUMBER },
    });
    this.metaTable = new dynamodb.Table(this, 'MetaTable', {
      ...tableProps,
      partitionKey: { name: META_TABLE_KEYS.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: META_TABLE_KEYS.sortKey.name, type: dynamodb.AttributeType.STRING },
    });
    // --- HTTP API --------------------------------------------------------------------------
    this.apiFunction = this.createFunction('ApiFunction', {
      entry: HTTP_HANDLER_ENTRY,
      description: `Sluice ${this.clusterId}: HTTP API (produce, fetch, topics, consumer groups)`,
      memorySize: props.apiMemorySize ?? 1024,
      // API Gateway gives up on an integration after 30 s.
      timeout: Duration.seconds(29),
    });
    this.apiFunction.function.addEnvironment(
      'SLUICE_WAKE_TARGETS',
      Lazy.string({ produce: () => Stack.of(this).toJsonString(this.wakeTargets) }),
    );

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: this.removalPolicy,
    });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: `Sluice ${this.clusterId}: Kafka-semantics event backbone`,
      createDefaultStage: false,
      defaultAuthorizer: props.allowUnauthenticatedAccess
        ? new apigwv2.HttpNoneAuthorizer()
        : new HttpIamAuthorizer(),
    });
    if (props.allowUnauthenticatedAccess) {
      Annotations.of(this).addWarningV2(
        'sluice:unauthenticated',
        'allowUnauthenticatedAccess is true: anyone who finds the endpoint can read, write and delete topics.',
      );
    }
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttlingRateLimit ?? 1000,
        burstLimit: props.throttlingBurstLimit ?? 2000,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            sourceIp: '$context.identity.sourceIp',
            caller: '$context.identity.userArn',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            error: '$context.error.message',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.endpointUrl = this.stage.url;

    const integration = new HttpLambdaIntegration('ApiIntegration', this.apiFunction.function, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      // One resource-policy statement for the whole API instead of one per route.
      scopePermissionToRoute: false,
    });
    for (const route of SLUICE_ROUTES) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
      });
    }

    // --- Monitoring ----------------------------------------------------------------------
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    const minute = Duration.minutes(1);
    this.lagWidget = new cloudwatch.GraphWidget({
      title: 'Consumer lag (max records behind, per group)',
      width: 12,
      left: [],
    });
    this.deadLetterWidget = new cloudwatch.GraphWidget({
      title: 'Dead-lettered records (per group)',
      width: 12,
      left: [],
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Produced and consumed records per minute',
        width: 12,
        left: [
          this.metricProducedRecords({ period: minute }),
          this.metricConsumedRecords({ period: minute }),
        ],
        right: [this.metricVoidedOffsets({ period: minute })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Produce latency p99 (ms)',
        width: 12,
        left: [this.metricProduceLatency({ period: minute })],
      }),
    );
    this.dashboard.addWidgets(this.lagWidget, this.deadLetterWidget);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'HTTP API requests and errors',
        width: 12,
        left: [this.httpApi.metricCount({ period: minute })],
        right: [
          this.httpApi.metricClientError({ period: minute }),
          this.httpApi.metricServerError({ period: minute }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB throttled requests',
        width: 12,
        left: [this.logTable, this.metaTable].map((t) => this.metricTableThrottles(t)),
      }),
    );
    this.monitorFunction(this.apiFunction.function, 'ApiFunction');
    this.monitorTable(this.logTable, 'LogTable');
    this.monitorTable(this.metaTable, 'MetaTable');

    // --- Retention -----------------------------------------------------------------------
    // Overlapping runs are harmless: every delete is conditional (docs/retention.md).
    this.retentionFunction = this.addScheduledFunction('Retention', {
      entry: RETENTION_HANDLER_ENTRY,
      schedule: events.Schedule.rate(props.retentionSchedule ?? Duration.minutes(5)),
      description: "deletes index items and segment objects past each topic's retention.ms",
    });

    // --- Outputs -------------------------------------------------------------------------
    new CfnOutput(this, 'EndpointUrl', {
      value: this.endpointUrl,
      description: 'HTTPS endpoint (SigV4, service execute-api)',
    });
    new CfnOutput(this, 'ClusterId', {
      value: this.clusterId,
      description: 'Cluster id in /v3/clusters/{cluster_id}',
    });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'Segment bucket' });
    new CfnOutput(this, 'LogTableName', {
      value: this.logTable.tableName,
      description: 'Partition-log index table',
    });
    new CfnOutput(this, 'MetaTableName', {
      value: this.metaTable.tableName,
      description: 'Topics, producers, leases',
    });

    this.acknowledgeFindings();
  }

  /**
   * Adds a consumer group: a poller function, started every minute and woken by producers,
   * that holds the group's partition leases and invokes `opts.handler` with batches shaped
   * like AWS Lambda's self-managed Kafka event. Also adds the group's lag and dead-letter
   * alarms and dashboard lines.
   *
   * @param group consumer group id (`[a-zA-Z0-9._-]`, 1..249 characters, unique here)
   * @example
   * sluice.addConsumer('billing', { topics: ['orders'], handler: fn, batchSize: 500, onFailure: 'orders-dlq', retryAttempts: 3 });
   */
  addConsumer(group: string, opts: SluiceConsumerOptions): SluiceConsumer {
    const config = resolveConsumerOptions(group, opts);
    if (this.consumers.some((c) => c.group === group)) {
      throw new Error(`addConsumer('${group}'): the group already exists on this Sluice construct.`);
    }
    if (config.onFailureTopic !== null && config.retryAttempts === -1) {
      Annotations.of(this).addWarningV2(
        `sluice:onFailure-never-used:${group}`,
        `addConsumer('${group}'): onFailure is set but retryAttempts is -1 (retry forever), so nothing is ever dead-lettered.`,
      );
    }
    // Lambda caps all environment variables of a function at 4 KB; function names are at most
    // 64 characters, which bounds the deployed size of SLUICE_WAKE_TARGETS.
    const wakeBytes = JSON.stringify(
      [...this.wakeTargets, { group, topics: config.topics }].map((t) => ({
        ...t,
        functionName: 'x'.repeat(64),
      })),
    ).length;
    if (wakeBytes > MAX_WAKE_TARGETS_BYTES) {
      throw new Error(
        `addConsumer('${group}'): too many consumer groups on one Sluice construct: SLUICE_WAKE_TARGETS would ` +
          `take up to ${wakeBytes} bytes of the HTTP function's 4 KB environment. Consume more topics per group.`,
      );
    }
    const props = this.props;
    const scope = new Construct(this, `Consumer-${group}`);
    const poller = this.createFunction('Poller', {
      scope,
      entry: POLLER_HANDLER_ENTRY,
      description: `Sluice ${this.clusterId}: poller of consumer group ${group}`,
      memorySize: props.pollerMemorySize ?? 1024,
      timeout: props.pollerTimeout ?? Duration.minutes(5),
      // A failed run is not retried by Lambda: the next scheduled run (or wake-up) resumes
      // from the committed offsets anyway.
      retryAttempts: 0,
      environment: {
        SLUICE_CONSUMER_CONFIG: Stack.of(this).toJsonString(config),
        SLUICE_ENDPOINT_URL: this.endpointUrl,
      },
    });
    const pollerFn = poller.function;
    iam.Grant.addToPrincipal({
      grantee: pollerFn,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [opts.handler.functionArn],
    });
    const schedule = new events.Rule(scope, 'Schedule', {
      description: `Starts the Sluice poller of consumer group ${group} every minute`,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(pollerFn, { retryAttempts: 0 })],
    });

    // Wake-on-produce: the HTTP function invokes the group's poller (async) after a produce
    // to an idle group's topic, so consumers do not wait for the next minute.
    iam.Grant.addToPrincipal({
      grantee: this.apiFunction.function,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [pollerFn.functionArn],
    });
    this.wakeTargets.push({ group, topics: config.topics, functionName: pollerFn.functionName });

    this.monitorFunction(pollerFn, `Consumer-${group}-Poller`, scope);
    const lagAlarm = this.metricConsumerLag(group).createAlarm(scope, 'LagAlarm', {
      alarmDescription: `Sluice ${this.clusterId}: consumer group ${group} is more than ${this.lagThreshold()} records behind`,
      threshold: this.lagThreshold(),
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const deadLetterAlarm = this.metricDeadLetteredRecords(group).createAlarm(scope, 'DeadLetterAlarm', {
      alarmDescription: `Sluice ${this.clusterId}: consumer group ${group} dead-lettered records`,
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.addAlarm(lagAlarm);
    this.addAlarm(deadLetterAlarm);
    this.lagWidget.addLeftMetric(
      this.metricConsumerLag(group, { period: Duration.minutes(1), label: group }),
    );
    this.deadLetterWidget.addLeftMetric(
      this.metricDeadLetteredRecords(group, { period: Duration.minutes(1), label: group }),
    );

    const consumer: SluiceConsumer = { group, poller: pollerFn, schedule, lagAlarm, deadLetterAlarm, config };
    this.consumers.push(consumer);
    return consumer;
  }

  /**
   * Lets `grantee` produce to `topics` (v3 single and batch, v2) and describe them.
   * @param topics topic names; omit for every topic of this cluster
   */
  grantProduce(grantee: iam.IGrantable, topics?: string[]): iam.Grant {
    return this.grantPaths(
      grantee,
      grantedPaths('produce', this.clusterId, this.checkNames('grantProduce', topics), undefined),
    );
  }

  /**
   * Lets `grantee` consume `topics`: describe them and their partitions, fetch records, and
   * use consumer groups (lag, membership, offset commits).
   * @param topics topic names; omit for every topic of this cluster
   * @param groups consumer group ids; omit for every group
   */
  grantConsume(grantee: iam.IGrantable, topics?: string[], groups?: string[]): iam.Grant {
    const checkedGroups = groups?.map((g, i) => {
      if (!/^[a-zA-Z0-9._-]{1,249}$/.test(g))
        throw new Error(`grantConsume: groups[${i}] "${g}" is not a valid group id.`);
      return g;
    });
    return this.grantPaths(
      grantee,
      grantedPaths('consume', this.clusterId, this.checkNames('grantConsume', topics), checkedGroups),
    );
  }

  /** Lets `grantee` call every route of this endpoint, topic creation and deletion included. */
  grantAdmin(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.executeApiArn('*', '/*')],
    });
  }

  /**
   * Lets `grantee` read and write Sluice's bucket and tables directly (what the functions
   * themselves get): object get/put/delete, item reads, writes, queries and scans.
   */
  grantReadWriteData(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resourceArns: [this.bucket.arnForObjects('*')],
    });
    // ListBucket turns a missing object into 404 NoSuchKey instead of 403 AccessDenied.
    grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:ListBucket'],
        resourceArns: [this.bucket.bucketArn],
      }),
    );
    grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DescribeTable',
        ],
        resourceArns: [this.logTable.tableArn, this.metaTable.tableArn],
      }),
    );
    if (this.props.encryptionKey) {
      grant.combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          resourceArns: [this.props.encryptionKey.keyArn],
        }),
      );
    }
    return grant;
  }

  /** A custom metric of this cluster in the `Sluice` namespace, with dimension `ClusterId`. */
  metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      ...props,
      dimensionsMap: { ClusterId: this.clusterId, ...props.dimensionsMap },
    });
  }

  /** Records appended by produce requests. @default Sum over 5 minutes */
  metricProducedRecords(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ProducedRecords', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Offsets voided: ranges a writer reserved and did not commit (it failed, or was too slow
   * and a reader voided its range). Readers skip them; a steady rise means writers are
   * failing between reserving and committing. See docs/design/sequenced-log.md.
   * @default Sum over 5 minutes
   */
  metricVoidedOffsets(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('VoidedOffsets', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Produce request latency in milliseconds, from receipt to durable ack. @default p99 over 5 minutes */
  metricProduceLatency(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ProduceLatency', {
      statistic: cloudwatch.Stats.p(99),
      unit: cloudwatch.Unit.MILLISECONDS,
      ...props,
    });
  }

  /** Records delivered to consumer handlers and committed. @default Sum over 5 minutes */
  metricConsumedRecords(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ConsumedRecords', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Records a group is behind, the maximum over its partitions. @default Maximum over 5 minutes */
  metricConsumerLag(group: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('ConsumerLag', {
      statistic: cloudwatch.Stats.MAXIMUM,
      ...props,
      dimensionsMap: { ConsumerGroup: group },
    });
  }

  /** Records a group sent to its dead-letter topic. @default Sum over 5 minutes */
  metricDeadLetteredRecords(group: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric('DeadLetteredRecords', {
      statistic: cloudwatch.Stats.SUM,
      ...props,
      dimensionsMap: { ConsumerGroup: group },
    });
  }

  /**
   * Adds a maintenance function run on a schedule, with the SLUICE_* environment, data
   * access, a log group and Errors/Throttles alarms. This is the hook for retention and
   * other sweepers, e.g. in a subclass or in this constructor once the function exists:
   *
   * ```ts
   * this.addScheduledFunction('Retention', {
   *   entry: path.join(REPO_ROOT, 'functions/retention/handler.ts'),
   *   schedule: events.Schedule.rate(Duration.minutes(15)),
   *   description: 'deletes index items and segments past retention.ms',
   * });
   * ```
   */
  protected addScheduledFunction(id: string, opts: SluiceScheduledFunctionOptions): SluiceFunction {
    const fn = this.createFunction(id, {
      entry: opts.entry,
      description: `Sluice ${this.clusterId}: ${opts.description}`,
      memorySize: opts.memorySize ?? 512,
      timeout: opts.timeout ?? Duration.minutes(5),
      retryAttempts: 0,
      environment: opts.environment,
    });
    new events.Rule(fn, 'Schedule', {
      description: `Runs ${id}: ${opts.description}`,
      schedule: opts.schedule,
      targets: [new targets.LambdaFunction(fn.function, { retryAttempts: 0 })],
    });
    this.monitorFunction(fn.function, id, fn);
    return fn;
  }

  /**
   * Creates a Sluice function: bundled entry, SLUICE_* environment, read/write access to
   * the bucket and tables.
   */
  protected createFunction(id: string, opts: SluiceFunctionOptions): SluiceFunction {
    const fn = new SluiceFunction(opts.scope ?? this, id, {
      entry: opts.entry,
      description: opts.description,
      memorySize: opts.memorySize,
      timeout: opts.timeout,
      retryAttempts: opts.retryAttempts,
      logRetention: this.props.logRetention,
      removalPolicy: this.removalPolicy,
      environment: {
        ...this.sluiceEnvironment(),
        ...opts.environment,
      },
    });
    this.grantReadWriteData(fn.function);
    return fn;
  }

  /** The variables every function reads through `configFromEnv` (shared/config.ts). */
  protected sluiceEnvironment(): Record<string, string> {
    return {
      SLUICE_CLUSTER_ID: this.clusterId,
      SLUICE_BUCKET: this.bucket.bucketName,
      SLUICE_LOG_TABLE: this.logTable.tableName,
      SLUICE_META_TABLE: this.metaTable.tableName,
      SLUICE_MAX_REQUEST_BYTES: String(this.props.maxRequestBytes ?? LAMBDA_PAYLOAD_LIMIT),
      // Powertools Metrics (if a function uses it) then publishes to the `Sluice` namespace.
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };
  }

  private lagThreshold(): number {
    return this.props.lagAlarmThreshold ?? 10_000;
  }

  private addAlarm(alarm: cloudwatch.Alarm): void {
    if (this.props.alarmTopic) {
      const action = new cwActions.SnsAction(this.props.alarmTopic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms.push(alarm);
  }

  private monitorFunction(fn: lambda.IFunction, label: string, scope: Construct = this): void {
    const errors = fn
      .metricErrors({ period: Duration.minutes(5) })
      .createAlarm(scope, `${label}ErrorsAlarm`, {
        alarmDescription: `Sluice ${this.clusterId}: ${label} failed invocations`,
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const throttles = fn
      .metricThrottles({ period: Duration.minutes(5) })
      .createAlarm(scope, `${label}ThrottlesAlarm`, {
        alarmDescription: `Sluice ${this.clusterId}: ${label} throttled invocations`,
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.addAlarm(errors);
    this.addAlarm(throttles);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${label}: invocations, errors, throttles`,
        width: 24,
        height: 4,
        left: [fn.metricInvocations({ period: Duration.minutes(1) })],
        right: [
          fn.metricErrors({ period: Duration.minutes(1) }),
          fn.metricThrottles({ period: Duration.minutes(1) }),
        ],
      }),
    );
  }

  private metricTableThrottles(table: dynamodb.Table): cloudwatch.MathExpression {
    // Metric ids must be unique within one graph, which shows both tables.
    const [label, prefix] = table === this.logTable ? ['log table', 'log'] : ['meta table', 'meta'];
    return new cloudwatch.MathExpression({
      expression: `${prefix}Reads + ${prefix}Writes`,
      usingMetrics: {
        [`${prefix}Reads`]: table.metric('ReadThrottleEvents', { statistic: cloudwatch.Stats.SUM }),
        [`${prefix}Writes`]: table.metric('WriteThrottleEvents', { statistic: cloudwatch.Stats.SUM }),
      },
      label: `${label} throttle events`,
      period: Duration.minutes(5),
    });
  }

  private monitorTable(table: dynamodb.Table, label: string): void {
    const alarm = this.metricTableThrottles(table).createAlarm(this, `${label}ThrottlesAlarm`, {
      alarmDescription: `Sluice ${this.clusterId}: ${label} read or write requests were throttled`,
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.addAlarm(alarm);
  }

  private grantPaths(grantee: iam.IGrantable, paths: { method: string; path: string }[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: paths.map((p) => this.executeApiArn(p.method, p.path)),
    });
  }

  /** `arn:…:execute-api:region:account:api-id/$default/METHOD/path` (IAM wildcards allowed). */
  private executeApiArn(method: string, path: string): string {
    return Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.httpApi.apiId,
      resourceName: `${this.stage.stageName}/${method}${path}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  private checkNames(method: string, topics: string[] | undefined): string[] | undefined {
    if (topics === undefined) return undefined;
    if (!Array.isArray(topics) || topics.length === 0) {
      throw new Error(`${method}: topics must be a non-empty list, or omitted for every topic.`);
    }
    for (const [i, t] of topics.entries()) checkTopic(`${method}: topics[${i}]`, t);
    return topics;
  }

  /**
   * cdk-nag findings that are deliberate, each with the reason. Findings are acknowledged
   * by their full id on the narrowest construct that owns them.
   */
  private acknowledgeFindings(): void {
    const stack = Stack.of(this);
    const bucketId = stack.resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId);
    // Attached to this construct so it also covers the pollers added later.
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason:
        'Segment object keys are generated per produce request and unknown at deploy time; access is limited to ' +
        'get/put/delete of objects in this one bucket.',
    });
  }
}
