import { Annotations, CfnOutput, Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct, IConstruct } from 'constructs';
import {
  DEFAULT_INLINE_SECTION_MAX_BYTES,
  LOG_TABLE_KEYS,
  LOG_TABLE_TTL_ATTRIBUTE,
  META_TABLE_KEYS,
  META_TABLE_TTL_ATTRIBUTE,
} from '../shared/storage/schema';
import { POLLER_MEMORY_MB, SluiceConsumerGroup } from './consumer-group';
import {
  type ConsumerConfigDocument,
  resolveConsumerOptions,
  type SluiceConsumerAccessOptions,
  type SluiceConsumerOptions,
} from './consumer-options';
import { SEGMENT_PREFIX } from './data-access';
import { SluiceMonitoring } from './monitoring';
import { SLUICE_ROUTES } from './routes';
import { METRICS_NAMESPACE, SluiceBase } from './sluice-base';
import { HTTP_HANDLER_ENTRY, RETENTION_HANDLER_ENTRY, SluiceFunction } from './sluice-function';
import {
  DEFAULT_CONSUMER_INSTANCE_TIMEOUT_MS,
  DEFAULT_TARGET_UTILIZATION_PERCENT,
  MAX_REQUEST_BODY_BYTES,
  resolveClusterId,
  type SluiceEndpoint,
  type SluiceFunctionOptions,
  type SluiceProps,
  type SluiceScheduledFunctionOptions,
  type TableCapacityRange,
  validateProps,
} from './sluice-props';
import { SluiceStreamDispatcher } from './stream-dispatcher';

/**
 * Budget of the consumer-group variables of the HTTP function (SLUICE_WAKE_TARGETS,
 * SLUICE_POLLER_GROUPS, SLUICE_GROUP_TOPICS: names and values) within Lambda's 4 KB
 * environment; the rest is for the other SLUICE_* variables.
 */
const MAX_GROUP_ENVIRONMENT_BYTES = 3_000;

/** What the HTTP function is told about consumer groups (read as `shared/groups/http-access.ts` says). */
interface GroupAccessDeclarations {
  /** Groups run by pollers that refuse HTTP members. */
  readonly pollerGroups: ReadonlySet<string>;
  /** Per group, the topics HTTP members may name; `'*'` (the core's `ANY_TOPIC`): every topic. */
  readonly groupTopics: ReadonlyMap<string, ReadonlySet<string> | '*'>;
}

/**
 * Sluice: a serverless event backbone with Apache Kafka's semantics. Creates the data
 * bucket, the two DynamoDB tables, the HTTP API function behind an IAM-authorized HTTPS
 * endpoint (an API Gateway HTTP API with one route per entry of the HTTP API's route table,
 * or, with `endpoint: 'function-url'`, a Lambda function URL), the retention sweeper, its
 * {@link SluiceMonitoring} (dashboard and alarms) and stack outputs; `addConsumer` adds a
 * {@link SluiceConsumerGroup}, a poller per consumer group that feeds a Lambda handler with
 * Kafka-shaped events. The `grant*` and `metric*` methods come from {@link SluiceBase}.
 *
 * @example
 * const sluice = new Sluice(this, 'Sluice', { clusterId: 'prod' });
 * sluice.addConsumer('billing', { topics: ['orders'], handler: billingFn, batchSize: 500 });
 * sluice.grantProduce(checkoutRole, ['orders']);
 */
export class Sluice extends SluiceBase {
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
  /** What serves the HTTP API: the `endpoint` prop. */
  readonly endpoint: SluiceEndpoint;
  /** The HTTPS endpoint, ending in `/`: the HTTP API's `$default` stage or the function URL. */
  readonly endpointUrl: string;
  /** The function URL of {@link apiFunction} with endpoint `'function-url'`; else `undefined`. */
  readonly functionUrl: lambda.FunctionUrl | undefined;
  /** The dashboard and the alarms of the backbone, which every consumer group joins. */
  readonly monitoring: SluiceMonitoring;
  /** Every alarm created so far (grows with `addConsumer`); the same list as `monitoring.alarms`. */
  readonly alarms: cloudwatch.Alarm[];
  /** The CloudWatch dashboard. */
  readonly dashboard: cloudwatch.Dashboard;
  /** Consumer groups added so far. */
  readonly consumers: SluiceConsumerGroup[] = [];

  /**
   * The one reader of the log table's stream, which triggers every group added with
   * `trigger: 'stream'`; created with the first such group, `undefined` before.
   */
  get streamDispatcher(): SluiceStreamDispatcher | undefined {
    return this.dispatcher;
  }

  /**
   * The HTTP API (endpoint `'http-api'`, the default).
   * @throws with endpoint `'function-url'`, which has no API Gateway: use {@link functionUrl}
   */
  get httpApi(): apigwv2.HttpApi {
    return this.requireGateway('httpApi').httpApi;
  }

  /**
   * The `$default` stage (access logs, throttling) of the HTTP API.
   * @throws with endpoint `'function-url'`, which has no stage
   */
  get stage(): apigwv2.HttpStage {
    return this.requireGateway('stage').stage;
  }

  /**
   * Access log group of the stage.
   * @throws with endpoint `'function-url'`: a function URL writes no access log (the HTTP
   *   function's own log has the requests that failed with a 5xx)
   */
  get accessLogGroup(): logs.LogGroup {
    return this.requireGateway('accessLogGroup').accessLogGroup;
  }

  protected readonly encryptionKey: kms.IKey | undefined;

  private readonly props: SluiceProps;
  private readonly gateway:
    | { httpApi: apigwv2.HttpApi; stage: apigwv2.HttpStage; accessLogGroup: logs.LogGroup }
    | undefined;
  private readonly removalPolicy: RemovalPolicy;
  private readonly wakeTargets: { group: string; topics: string[]; functionName: string }[] = [];
  /** The stream-triggered groups (the dispatcher's SLUICE_STREAM_GROUPS), for the size check. */
  private readonly streamTargets: { group: string; topics: string[] }[] = [];
  private dispatcher: SluiceStreamDispatcher | undefined;
  /** What the HTTP function is told about groups; replaced whole, only once a change is checked. */
  private groupAccess: GroupAccessDeclarations = { pollerGroups: new Set(), groupTopics: new Map() };

  constructor(scope: Construct, id: string, props: SluiceProps = {}) {
    super(scope, id);
    this.props = props;
    this.encryptionKey = props.encryptionKey;
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
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection,
      // AWS owned key by default: no KMS request charges on the hot path.
      encryption: key ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.DEFAULT,
      encryptionKey: key,
      removalPolicy: this.removalPolicy,
    };
    const capacity = props.provisionedCapacity;
    this.logTable = new dynamodb.Table(this, 'LogTable', {
      ...tableProps,
      ...billing(capacity?.logTable),
      partitionKey: { name: LOG_TABLE_KEYS.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LOG_TABLE_KEYS.sortKey.name, type: dynamodb.AttributeType.NUMBER },
      // Keys only: stream-triggered consumer groups read the log itself, since the slots of
      // one partition can commit out of offset order. A stream nobody reads costs nothing.
      stream: dynamodb.StreamViewType.KEYS_ONLY,
      // Expired inline slots and voids are deleted by TTL, free, after retention's sweeper has
      // moved the log start past them (docs/retention.md). Stream consumers see INSERTs only.
      timeToLiveAttribute: LOG_TABLE_TTL_ATTRIBUTE,
    });
    this.metaTable = new dynamodb.Table(this, 'MetaTable', {
      ...tableProps,
      ...billing(capacity?.metaTable),
      partitionKey: { name: META_TABLE_KEYS.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: META_TABLE_KEYS.sortKey.name, type: dynamodb.AttributeType.STRING },
      // Idle idempotent-producer state expires (shared/storage/log-index.ts).
      timeToLiveAttribute: META_TABLE_TTL_ATTRIBUTE,
    });
    autoScale(this.logTable, capacity?.logTable, capacity?.targetUtilizationPercent);
    autoScale(this.metaTable, capacity?.metaTable, capacity?.targetUtilizationPercent);
    // --- HTTP API --------------------------------------------------------------------------
    this.apiFunction = this.createFunction('ApiFunction', {
      entry: HTTP_HANDLER_ENTRY,
      description: `Sluice ${this.clusterId}: HTTP API (produce, fetch, topics, consumer groups)`,
      memorySize: props.apiMemorySize ?? 1024,
      // API Gateway gives up on an integration after 30 s.
      timeout: Duration.seconds(29),
      access: { kind: 'http' },
      reservedConcurrentExecutions: props.apiReservedConcurrency,
      // Only the HTTP function serves v2 consumer instances.
      environment: {
        SLUICE_CONSUMER_INSTANCE_TIMEOUT_MS: String(
          props.consumerInstanceTimeout?.toMilliseconds() ?? DEFAULT_CONSUMER_INSTANCE_TIMEOUT_MS,
        ),
      },
    });
    this.apiFunction.function.addEnvironment(
      'SLUICE_WAKE_TARGETS',
      Lazy.string({ produce: () => Stack.of(this).toJsonString(this.wakeTargets) }),
    );
    // Which groups HTTP members may use, and with which topics (docs/security.md).
    this.apiFunction.function.addEnvironment(
      'SLUICE_POLLER_GROUPS',
      Lazy.string({ produce: () => groupAccessEnvironment(this.groupAccess).SLUICE_POLLER_GROUPS }),
    );
    this.apiFunction.function.addEnvironment(
      'SLUICE_GROUP_TOPICS',
      Lazy.string({ produce: () => groupAccessEnvironment(this.groupAccess).SLUICE_GROUP_TOPICS }),
    );

    this.endpoint = props.endpoint ?? 'http-api';
    if (props.allowUnauthenticatedAccess) {
      Annotations.of(this).addWarningV2(
        'sluice:unauthenticated',
        'allowUnauthenticatedAccess is true: anyone who finds the endpoint can read, write and delete topics.',
      );
    }
    if (this.endpoint === 'function-url') {
      this.gateway = undefined;
      // $LATEST, like the API Gateway integration: a deployment changes what the URL runs.
      this.functionUrl = this.apiFunction.function.addFunctionUrl({
        authType: props.allowUnauthenticatedAccess
          ? lambda.FunctionUrlAuthType.NONE
          : lambda.FunctionUrlAuthType.AWS_IAM,
      });
      this.endpointUrl = this.functionUrl.url;
    } else {
      this.functionUrl = undefined;
      this.gateway = this.createHttpApi(props);
      this.endpointUrl = this.gateway.stage.url;
    }

    // --- Monitoring ----------------------------------------------------------------------
    // The id `Default` is left out of logical ids: the dashboard and the alarms keep the ids
    // they had when this construct built them itself (see SluiceMonitoring).
    this.monitoring = new SluiceMonitoring(this, 'Default', {
      sluice: this,
      httpApi: this.gateway?.httpApi,
      apiFunction: this.apiFunction.function,
      dashboardName: props.dashboardName,
      alarmTopic: props.alarmTopic,
    });
    this.dashboard = this.monitoring.dashboard;
    this.alarms = this.monitoring.alarms;

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
      description: `HTTPS endpoint (SigV4, service ${this.endpoint === 'function-url' ? 'lambda' : 'execute-api'})`,
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

  private requireGateway(member: string): NonNullable<Sluice['gateway']> {
    if (!this.gateway) {
      throw new Error(
        `Sluice: ${member} exists only with endpoint 'http-api'; this cluster's endpoint is a function URL (sluice.functionUrl).`,
      );
    }
    return this.gateway;
  }

  /**
   * A function URL authorizes the whole function (`lambda:InvokeFunctionUrl`, plus
   * `lambda:InvokeFunction` only when invoked through the URL): there is no path to name,
   * so every grant is the whole endpoint, and a narrower one is reported as a warning.
   */
  protected override grantEndpoint(
    grantee: iam.IGrantable,
    paths: readonly { method: string; path: string }[] | 'every route',
  ): iam.Grant {
    if (!this.functionUrl) return super.grantEndpoint(grantee, paths);
    if (paths !== 'every route') {
      Annotations.of(this).addWarningV2(
        'sluice:function-url-grants-every-route',
        "endpoint 'function-url': IAM authorizes a function URL as a whole, so grantProduce and grantConsume " +
          'give every route of the endpoint (topic administration included), whatever topics or groups they name. ' +
          "Use endpoint 'http-api' where grants must be narrower (docs/security.md).",
      );
    }
    return this.functionUrl.grantInvokeUrl(grantee);
  }

  /**
   * The API Gateway endpoint: an HTTP API with one IAM-authorized route per entry of the
   * route table, its `$default` stage (throttling, JSON access logs) and the integration.
   */
  private createHttpApi(props: SluiceProps): {
    httpApi: apigwv2.HttpApi;
    stage: apigwv2.HttpStage;
    accessLogGroup: logs.LogGroup;
  } {
    const accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: this.removalPolicy,
    });
    const httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: `Sluice ${this.clusterId}: Kafka-semantics event backbone`,
      createDefaultStage: false,
      defaultAuthorizer: props.allowUnauthenticatedAccess
        ? new apigwv2.HttpNoneAuthorizer()
        : new HttpIamAuthorizer(),
    });
    const stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttlingRateLimit ?? 1000,
        burstLimit: props.throttlingBurstLimit ?? 2000,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogGroup),
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
    const integration = new HttpLambdaIntegration('ApiIntegration', this.apiFunction.function, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      // One resource-policy statement for the whole API instead of one per route.
      scopePermissionToRoute: false,
    });
    for (const route of SLUICE_ROUTES) {
      httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
      });
    }
    return { httpApi, stage, accessLogGroup };
  }

  /**
   * Adds a consumer group: a poller function, started every minute and woken by producers,
   * that holds the group's partition leases and invokes `opts.handler` with batches shaped
   * like AWS Lambda's self-managed Kafka event. Also adds the group's lag and dead-letter
   * alarms and dashboard lines.
   *
   * @param group consumer group id (`[a-zA-Z0-9._-]`, 1..249 characters, unique here)
   * @returns the group's construct (`Consumer-<group>` under this one): its poller, alarms and metrics
   * @example
   * sluice.addConsumer('billing', { topics: ['orders'], handler: fn, batchSize: 500, onFailure: 'orders-dlq', retryAttempts: 3 });
   */
  addConsumer(group: string, opts: SluiceConsumerOptions & SluiceConsumerAccessOptions): SluiceConsumerGroup {
    return new SluiceConsumerGroup(this, `Consumer-${group}`, { ...opts, sluice: this, group });
  }

  /**
   * Checks a new consumer group against this cluster before anything of it is built, and
   * returns its configuration document.
   * @internal used by {@link SluiceConsumerGroup}
   */
  _admitConsumer(
    group: string,
    opts: SluiceConsumerOptions & SluiceConsumerAccessOptions,
  ): ConsumerConfigDocument {
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
    if (opts.allowHttpMembers !== undefined && typeof opts.allowHttpMembers !== 'boolean') {
      throw new Error(`addConsumer('${group}'): allowHttpMembers must be true or false.`);
    }
    // The stream groups count too: the dispatcher's SLUICE_STREAM_GROUPS has the same shape.
    this.checkGroupEnvironment(
      `addConsumer('${group}')`,
      [...this.wakeTargets, ...this.streamTargets, { group, topics: config.topics }],
      withPollerGroup(this.groupAccess, group, config.topics, opts.allowHttpMembers ?? false),
    );
    return config;
  }

  /**
   * Wake-on-produce: lets the HTTP function invoke a group's poller (async) after a produce
   * to one of `topics`, so an idle group does not wait for the next minute.
   * @internal used by {@link SluiceConsumerGroup}
   */
  _addWakeTarget(group: string, topics: string[], poller: lambda.IFunction): void {
    iam.Grant.addToPrincipal({
      grantee: this.apiFunction.function,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [poller.functionArn],
    });
    this.wakeTargets.push({ group, topics, functionName: poller.functionName });
  }

  /**
   * Has the stream dispatcher (created with the first call) trigger a stream group's function
   * with the new slots of `topics`.
   * @internal used by {@link SluiceConsumerGroup}
   */
  _addStreamGroup(group: string, topics: string[], maxBatchingWindowMs: number, fn: lambda.IFunction): void {
    this.dispatcher ??= new SluiceStreamDispatcher(this, 'StreamDispatcher', this);
    this.dispatcher.addGroup(group, topics, maxBatchingWindowMs, fn);
    this.streamTargets.push({ group, topics });
  }

  /** @internal used by {@link SluiceConsumerGroup} once it is built */
  _addConsumer(consumer: SluiceConsumerGroup): void {
    this.consumers.push(consumer);
  }

  /**
   * Tells the HTTP function about a poller's group: HTTP members are refused there, or, with
   * `allowHttpMembers`, may name the group's topics.
   * @internal used by {@link SluiceConsumerGroup}
   */
  _addPollerGroup(group: string, topics: readonly string[], allowHttpMembers: boolean): void {
    // Checked by _admitConsumer before the group was built.
    this.groupAccess = withPollerGroup(this.groupAccess, group, topics, allowHttpMembers);
  }

  /** Records, for the HTTP function, the topics granted with each group (see {@link SluiceBase.grantConsume}). */
  protected override recordGroupGrant(
    groups: readonly string[],
    topics: readonly string[] | undefined,
  ): void {
    const groupTopics = new Map(this.groupAccess.groupTopics);
    for (const group of groups) groupTopics.set(group, mergeTopics(groupTopics.get(group), topics));
    const next = { pollerGroups: this.groupAccess.pollerGroups, groupTopics };
    this.checkGroupEnvironment('grantConsume', this.wakeTargets, next);
    this.groupAccess = next;
  }

  /**
   * Lambda caps all environment variables of a function at 4 KB. Function names are at most
   * 64 characters, which bounds the deployed size of SLUICE_WAKE_TARGETS; the other two are
   * literals. Throws before anything of a refused group or grant is recorded.
   */
  private checkGroupEnvironment(
    where: string,
    wakeTargets: readonly { group: string; topics: string[] }[],
    declarations: GroupAccessDeclarations,
  ): void {
    const bytes =
      Object.entries(groupAccessEnvironment(declarations)).reduce(
        (sum, [name, value]) => sum + name.length + value.length,
        0,
      ) +
      'SLUICE_WAKE_TARGETS'.length +
      JSON.stringify(wakeTargets.map((t) => ({ ...t, functionName: 'x'.repeat(64) }))).length;
    if (bytes > MAX_GROUP_ENVIRONMENT_BYTES) {
      throw new Error(
        `${where}: too many consumer groups on one Sluice construct: SLUICE_WAKE_TARGETS, SLUICE_POLLER_GROUPS and ` +
          `SLUICE_GROUP_TOPICS would take up to ${bytes} bytes of the HTTP function's 4 KB environment ` +
          `(at most ${MAX_GROUP_ENVIRONMENT_BYTES}). Consume more topics per group, or grant fewer groups.`,
      );
    }
  }

  /** @internal the function factory, for {@link SluiceConsumerGroup} */
  _createFunction(id: string, opts: SluiceFunctionOptions): SluiceFunction {
    return this.createFunction(id, opts);
  }

  /** Memory and timeout of every poller. @internal */
  get _poller(): { memorySize: number; timeout: Duration } {
    return {
      memorySize: this.props.pollerMemorySize ?? POLLER_MEMORY_MB,
      timeout: this.props.pollerTimeout ?? Duration.minutes(5),
    };
  }

  /** The lag above which a group's lag alarm fires. @internal */
  get _lagAlarmThreshold(): number {
    return this.props.lagAlarmThreshold ?? 10_000;
  }

  /**
   * Adds a maintenance function run on a schedule, with the SLUICE_* environment, the
   * sweeper's data access (`infra/data-access.ts`: list topics, walk and delete slots, delete
   * segment objects — no object reads or writes), a log group and Errors/Throttles alarms. This is the hook for retention and
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
      access: { kind: 'sweeper' },
    });
    new events.Rule(fn, 'Schedule', {
      description: `Runs ${id}: ${opts.description}`,
      schedule: opts.schedule,
      targets: [new targets.LambdaFunction(fn.function, { retryAttempts: 0 })],
    });
    this.monitoring.monitorFunction(fn, fn.function, id);
    return fn;
  }

  /**
   * Creates a Sluice function: bundled entry, SLUICE_* environment, and the data access
   * `opts.access` names (nothing else of the bucket and tables).
   */
  protected createFunction(id: string, opts: SluiceFunctionOptions): SluiceFunction {
    const fn = new SluiceFunction(opts.scope ?? this, id, {
      entry: opts.entry,
      description: opts.description,
      memorySize: opts.memorySize,
      timeout: opts.timeout,
      retryAttempts: opts.retryAttempts,
      reservedConcurrentExecutions: opts.reservedConcurrentExecutions,
      logRetention: this.props.logRetention,
      removalPolicy: this.removalPolicy,
      environment: {
        ...this.sluiceEnvironment(),
        ...opts.environment,
      },
    });
    this._grantDataAccess(fn.function, opts.access);
    return fn;
  }

  /** The variables every function reads through `configFromEnv` (shared/config.ts). */
  protected sluiceEnvironment(): Record<string, string> {
    return {
      SLUICE_CLUSTER_ID: this.clusterId,
      SLUICE_BUCKET: this.bucket.bucketName,
      SLUICE_LOG_TABLE: this.logTable.tableName,
      SLUICE_META_TABLE: this.metaTable.tableName,
      SLUICE_MAX_REQUEST_BYTES: String(this.props.maxRequestBytes ?? MAX_REQUEST_BODY_BYTES),
      SLUICE_INLINE_SECTION_MAX_BYTES: String(
        this.props.inlineSectionMaxBytes ?? DEFAULT_INLINE_SECTION_MAX_BYTES,
      ),
      // Powertools Metrics (if a function uses it) then publishes to the `Sluice` namespace.
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };
  }

  /**
   * cdk-nag findings that are deliberate, each with the reason. Findings are acknowledged
   * by their full id on the narrowest construct that owns them.
   */
  private acknowledgeFindings(): void {
    // Attached to this construct so it also covers the pollers added later.
    this._acknowledgeDataAccess(this);
  }

  /**
   * Acknowledges, on `scope`, the one wildcard of the functions' data access: objects of the
   * bucket. A consumer group created outside this construct asks for it on itself.
   * @internal
   */
  _acknowledgeDataAccess(scope: IConstruct): void {
    const bucketId = Stack.of(this).resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId);
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${SEGMENT_PREFIX}*]`,
      reason:
        `Segment object keys are generated per produce request and unknown at deploy time; each grant names only ` +
        `keys under ${SEGMENT_PREFIX} in this one bucket, and only the actions its function sends there: ` +
        'get/put for the HTTP function and the pollers, delete for the retention sweeper alone.',
    });
  }
}

/** The state with a poller's group added: refusing HTTP members, or open to them for its topics. */
/** A table's billing: on demand, or provisioned starting at the range's minimum. */
function billing(range: TableCapacityRange | undefined) {
  if (!range) return { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST };
  return {
    billingMode: dynamodb.BillingMode.PROVISIONED,
    readCapacity: range.minReadCapacity ?? 1,
    writeCapacity: range.minWriteCapacity ?? 1,
  };
}

/** Auto scaling of a provisioned table's reads and writes within its range, on utilization. */
function autoScale(
  table: dynamodb.Table,
  range: TableCapacityRange | undefined,
  targetPercent = DEFAULT_TARGET_UTILIZATION_PERCENT,
): void {
  if (!range) return;
  table
    .autoScaleReadCapacity({ minCapacity: range.minReadCapacity ?? 1, maxCapacity: range.maxReadCapacity })
    .scaleOnUtilization({ targetUtilizationPercent: targetPercent });
  table
    .autoScaleWriteCapacity({ minCapacity: range.minWriteCapacity ?? 1, maxCapacity: range.maxWriteCapacity })
    .scaleOnUtilization({ targetUtilizationPercent: targetPercent });
}

function withPollerGroup(
  state: GroupAccessDeclarations,
  group: string,
  topics: readonly string[],
  allowHttpMembers: boolean,
): GroupAccessDeclarations {
  if (!allowHttpMembers) {
    return { pollerGroups: new Set([...state.pollerGroups, group]), groupTopics: state.groupTopics };
  }
  const groupTopics = new Map(state.groupTopics);
  groupTopics.set(group, mergeTopics(groupTopics.get(group), topics));
  return { pollerGroups: state.pollerGroups, groupTopics };
}

/** The union of a group's recorded topics and more; `undefined` topics stand for every topic. */
function mergeTopics(
  recorded: ReadonlySet<string> | '*' | undefined,
  topics: readonly string[] | undefined,
): ReadonlySet<string> | '*' {
  if (recorded === '*' || topics === undefined) return '*';
  return new Set([...(recorded ?? []), ...topics]);
}

/**
 * SLUICE_POLLER_GROUPS and SLUICE_GROUP_TOPICS as the HTTP function reads them
 * (`shared/config.ts`), sorted so that the template does not change with call order.
 */
function groupAccessEnvironment(state: GroupAccessDeclarations): {
  SLUICE_POLLER_GROUPS: string;
  SLUICE_GROUP_TOPICS: string;
} {
  const groupTopics = Object.fromEntries(
    [...state.groupTopics.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, topics]) => [group, topics === '*' ? '*' : [...topics].sort()]),
  );
  return {
    SLUICE_POLLER_GROUPS: JSON.stringify([...state.pollerGroups].sort()),
    SLUICE_GROUP_TOPICS: JSON.stringify(groupTopics),
  };
}
