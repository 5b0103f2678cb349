import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { checkTopic, GROUP_NAME } from './consumer-options';
import { dataAccessStatements, type SluiceDataAccess } from './data-access';
import { grantedPaths } from './routes';

/**
 * What {@link SluiceBase.grantConsume} lets a consumer do. Consumer groups are granted by
 * name only; the HTTP function also learns, per group, the topics granted with it, and refuses
 * a join or commit naming another topic (docs/security.md).
 *
 * @example
 * sluice.grantConsume(analyticsRole, { topics: ['orders'], groups: ['analytics'] });
 */
export interface SluiceConsumeGrant {
  /**
   * Topics the grantee may describe and fetch, and that the named groups may join and commit.
   * @default - every topic of this cluster
   */
  readonly topics?: string[];
  /**
   * Consumer group ids whose routes the grantee may call: describe, lags, lag summary, join,
   * heartbeat, commit, leave, reset offsets. A group run by a poller (`addConsumer`) still
   * refuses HTTP joins and commits unless it was added with `allowHttpMembers: true`.
   * @default - no consumer group: the grantee may only describe partitions and fetch records
   */
  readonly groups?: string[];
  /**
   * Also let the grantee list every consumer group of the cluster (`GET …/consumer-groups`:
   * each group's id, state, members and their topics).
   * @default false
   */
  readonly listGroups?: boolean;
}

/** CloudWatch namespace of Sluice's custom metrics. */
export const METRICS_NAMESPACE = 'Sluice';

/**
 * What other constructs need of a Sluice cluster: its identity, the grants and the metrics.
 *
 * @example
 * function monitor(scope: Construct, sluice: ISluice) {
 *   sluice.metricProduceLatency().createAlarm(scope, 'SlowProduce', { threshold: 500, evaluationPeriods: 3 });
 * }
 */
export interface ISluice extends IConstruct {
  /** The cluster id (`/v3/clusters/{cluster_id}`, metric dimension `ClusterId`). */
  readonly clusterId: string;
  /** Lets `grantee` produce to `topics`; omit `topics` for every topic. */
  grantProduce(grantee: iam.IGrantable, topics?: string[]): iam.Grant;
  /** Lets `grantee` fetch `grant.topics` and use the consumer groups `grant.groups` names (none when omitted). */
  grantConsume(grantee: iam.IGrantable, grant?: SluiceConsumeGrant): iam.Grant;
  /** The positional form: `grantConsume(grantee, { topics, groups })`. */
  grantConsume(grantee: iam.IGrantable, topics?: string[], groups?: string[]): iam.Grant;
  /** Lets `grantee` call every route, topic administration included. */
  grantAdmin(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` read and write the bucket and tables directly (what Sluice's functions may do). */
  grantReadWriteData(grantee: iam.IGrantable): iam.Grant;
  /** A custom metric of this cluster (namespace `Sluice`, dimension `ClusterId`). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * The grants (`grant*`) and metrics (`metric*`) of a Sluice cluster, apart from how the
 * cluster is built: {@link Sluice} extends it, and so could an imported cluster. Grants
 * return an `iam.Grant` and name request paths of the HTTP API exactly (`infra/routes.ts`);
 * metrics are in the `Sluice` namespace with the `ClusterId` dimension.
 *
 * @example
 * sluice.grantProduce(checkoutRole, ['orders']);
 * sluice.metricConsumerLag('billing').createAlarm(this, 'BillingLag', { threshold: 1000, evaluationPeriods: 3 });
 */
export abstract class SluiceBase extends Construct implements ISluice {
  abstract readonly clusterId: string;
  /** The S3 bucket holding segment objects. */
  abstract readonly bucket: s3.IBucket;
  /** The partition-log index table. */
  abstract readonly logTable: dynamodb.ITable;
  /** Topics, producer state and consumer-group leases. */
  abstract readonly metaTable: dynamodb.ITable;
  /**
   * The HTTP API whose routes the grants name. A cluster served by a function URL has none
   * (its `httpApi` throws) and overrides {@link grantEndpoint} instead.
   */
  abstract readonly httpApi: apigwv2.IHttpApi;
  /** The stage the grants name (`$default`); see {@link httpApi}. */
  abstract readonly stage: apigwv2.IHttpStage;
  /** The customer managed key of the bucket and tables, if any. */
  protected abstract readonly encryptionKey: kms.IKey | undefined;

  /**
   * Lets `grantee` produce to `topics` (v3 single and batch, v2) and describe them.
   * @param topics topic names; omit for every topic of this cluster
   */
  grantProduce(grantee: iam.IGrantable, topics?: string[]): iam.Grant {
    return this.grantPaths(
      grantee,
      grantedPaths('produce', this.clusterId, this.checkNames('grantProduce', topics)),
    );
  }

  /**
   * Lets `grantee` consume: describe and fetch `grant.topics`, and use the consumer groups
   * `grant.groups` names (membership, offset commits, lags). Groups are only ever granted by
   * name, and without `groups` none is (fetch only); listing every group takes `listGroups`.
   * The HTTP function refuses a join or commit of a named group for a topic no grant of that
   * group names.
   *
   * The positional form `grantConsume(grantee, topics?, groups?)` is the same as
   * `grantConsume(grantee, { topics, groups })`.
   *
   * @example
   * sluice.grantConsume(analyticsRole, { topics: ['orders'], groups: ['analytics'] });
   * sluice.grantConsume(opsRole, { groups: ['analytics', 'billing'], listGroups: true });
   */
  grantConsume(grantee: iam.IGrantable, grant?: SluiceConsumeGrant): iam.Grant;
  /**
   * @param topics topic names; omit for every topic of this cluster
   * @param groups consumer group ids; omit for none (fetch only)
   */
  grantConsume(grantee: iam.IGrantable, topics?: string[], groups?: string[]): iam.Grant;
  grantConsume(
    grantee: iam.IGrantable,
    topicsOrGrant?: string[] | SluiceConsumeGrant,
    positionalGroups?: string[],
  ): iam.Grant {
    const grant: SluiceConsumeGrant =
      topicsOrGrant === undefined || Array.isArray(topicsOrGrant)
        ? { topics: topicsOrGrant, groups: positionalGroups }
        : topicsOrGrant;
    if (positionalGroups !== undefined && !Array.isArray(topicsOrGrant) && topicsOrGrant !== undefined) {
      throw new Error(
        'grantConsume: name the groups in the grant ({ topics, groups }), not as a third argument.',
      );
    }
    const topics = this.checkNames('grantConsume', grant.topics);
    const groups = this.checkGroups(grant.groups);
    if (grant.listGroups !== undefined && typeof grant.listGroups !== 'boolean') {
      throw new Error(`grantConsume: listGroups must be true or false, got ${String(grant.listGroups)}.`);
    }
    if (groups !== undefined) this.recordGroupGrant(groups, topics);
    return this.grantPaths(
      grantee,
      grantedPaths('consume', this.clusterId, topics, { groups, listGroups: grant.listGroups }),
    );
  }

  /**
   * Called by `grantConsume` with the groups it grants and the topics granted with them
   * (`undefined`: every topic). A cluster that builds the HTTP function records them there
   * (the join and commit routes refuse other topics); this base records nothing.
   */
  protected recordGroupGrant(_groups: readonly string[], _topics: readonly string[] | undefined): void {}

  /** Lets `grantee` call every route of this endpoint, topic creation and deletion included. */
  grantAdmin(grantee: iam.IGrantable): iam.Grant {
    return this.grantEndpoint(grantee, 'every route');
  }

  /**
   * Lets `grantee` read and write Sluice's bucket and tables directly: everything the HTTP
   * function and the retention sweeper may do together (segment objects get/put/delete, the
   * items of both tables), and no more — no scans, batch writes or table administration.
   */
  grantReadWriteData(grantee: iam.IGrantable): iam.Grant {
    const seen = new Set<string>();
    const statements = [
      ...dataAccessStatements({ kind: 'http' }, this.dataResources()),
      ...dataAccessStatements({ kind: 'sweeper' }, this.dataResources()),
    ].filter(({ sid }) => !seen.has(sid) && seen.add(sid));
    return this.grantStatements(grantee, statements);
  }

  /**
   * Gives a Sluice function exactly the data access its code uses (see `infra/data-access.ts`).
   * @internal
   */
  _grantDataAccess(grantee: iam.IGrantable, access: SluiceDataAccess): iam.Grant {
    return this.grantStatements(grantee, dataAccessStatements(access, this.dataResources()));
  }

  private dataResources() {
    return {
      bucketArn: this.bucket.bucketArn,
      logTableArn: this.logTable.tableArn,
      metaTableArn: this.metaTable.tableArn,
      keyArn: this.encryptionKey?.keyArn,
    };
  }

  private grantStatements(
    grantee: iam.IGrantable,
    statements: { statement: iam.PolicyStatement }[],
  ): iam.Grant {
    let grant: iam.Grant | undefined;
    for (const { statement } of statements) {
      const one = iam.Grant.addToPrincipal({
        grantee,
        actions: statement.actions,
        resourceArns: statement.resources,
        conditions: statement.conditions,
      });
      grant = grant ? grant.combine(one) : one;
    }
    return grant as iam.Grant;
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

  private grantPaths(grantee: iam.IGrantable, paths: { method: string; path: string }[]): iam.Grant {
    return this.grantEndpoint(grantee, paths);
  }

  /**
   * Lets `grantee` call the endpoint: the given request paths, or every route. This base
   * grants `execute-api:Invoke` on exactly those paths of {@link httpApi}'s stage; a cluster
   * whose endpoint is not an API Gateway API overrides it.
   */
  protected grantEndpoint(
    grantee: iam.IGrantable,
    paths: readonly { method: string; path: string }[] | 'every route',
  ): iam.Grant {
    const resources =
      paths === 'every route'
        ? [this.executeApiArn('*', '/*')]
        : paths.map((p) => this.executeApiArn(p.method, p.path));
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: resources });
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

  private checkGroups(groups: string[] | undefined): string[] | undefined {
    if (groups === undefined) return undefined;
    if (!Array.isArray(groups) || groups.length === 0) {
      throw new Error('grantConsume: groups must be a non-empty list, or omitted for no consumer group.');
    }
    for (const [i, g] of groups.entries()) {
      if (typeof g !== 'string' || !GROUP_NAME.test(g)) {
        throw new Error(`grantConsume: groups[${i}] "${g}" is not a valid group id.`);
      }
    }
    return groups;
  }

  private checkNames(method: string, topics: string[] | undefined): string[] | undefined {
    if (topics === undefined) return undefined;
    if (!Array.isArray(topics) || topics.length === 0) {
      throw new Error(`${method}: topics must be a non-empty list, or omitted for every topic.`);
    }
    for (const [i, t] of topics.entries()) checkTopic(`${method}: topics[${i}]`, t);
    return topics;
  }
}
