import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type {
  ConsumerConfigDocument,
  SluiceConsumerAccessOptions,
  SluiceConsumerOptions,
} from './consumer-options';
import type { Sluice } from './sluice';
import { POLLER_HANDLER_ENTRY, type SluiceFunction } from './sluice-function';
import type { SluiceConsumer } from './sluice-props';

/**
 * Memory of a stream-triggered group's function in MB: it drains a few partitions per batch,
 * waiting on DynamoDB, S3 and the handler; docs/design/stream-trigger.md has the measurement.
 */
export const STREAM_FUNCTION_MEMORY_MB = 256;

/**
 * Default memory of a polling group's poller function in MB (`pollerMemorySize`). The poller
 * waits on DynamoDB, S3 and the handler: measured alone under 1 MB/s
 * (`bench/poller-footprint.ts`) it used about 75 ms of CPU a second and at most 175 MB, a
 * quarter of the vCPU share and a third of the memory 512 MB gets. docs/deploy.md has the
 * measurement.
 */
export const POLLER_MEMORY_MB = 512;

/**
 * Properties of a {@link SluiceConsumerGroup}: the consumer options, who else may use the
 * group, the cluster and the group id.
 */
export interface SluiceConsumerGroupProps extends SluiceConsumerOptions, SluiceConsumerAccessOptions {
  /** The cluster whose topics the group consumes. */
  readonly sluice: Sluice;
  /** The consumer group id (`[a-zA-Z0-9._-]`, 1..249 characters, unique on the cluster). */
  readonly group: string;
}

/**
 * One consumer group of a Sluice cluster: a poller function, started every minute and woken
 * by producers, that holds the group's partition leases and invokes the handler with batches
 * shaped like AWS Lambda's self-managed Kafka event; the schedule; the alarms on the poller's
 * errors and throttles, on the group's lag and on dead-lettered records; and the group's
 * metrics. {@link Sluice.addConsumer} creates it (with the id `Consumer-<group>` under the
 * cluster); creating one directly does the same wiring.
 *
 * @example
 * const billing = sluice.addConsumer('billing', { topics: ['orders'], handler: billingFn });
 * billing.metricLag().createAlarm(this, 'BillingFarBehind', { threshold: 100_000, evaluationPeriods: 1 });
 */
export class SluiceConsumerGroup extends Construct implements SluiceConsumer {
  /** The group id. */
  readonly group: string;
  /** The configuration document given to the poller in `SLUICE_CONSUMER_CONFIG`. */
  readonly config: ConsumerConfigDocument;
  /** The poller function of the group. */
  readonly poller: lambda.IFunction;
  /** The poller as built: function, role and log group. */
  readonly pollerFunction: SluiceFunction;
  /** The rule that starts the poller every minute (with `trigger: 'stream'`, a drain of what is pending: the safety net). */
  readonly schedule: events.Rule;
  /** Fires when the group's maximum lag stays above `lagAlarmThreshold`. */
  readonly lagAlarm: cloudwatch.Alarm;
  /** Fires when the group dead-letters any record. */
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** Fires on any failed poller invocation. */
  readonly errorsAlarm: cloudwatch.Alarm;
  /** Fires on any throttled poller invocation. */
  readonly throttlesAlarm: cloudwatch.Alarm;

  private readonly sluice: Sluice;

  constructor(scope: Construct, id: string, props: SluiceConsumerGroupProps) {
    // Checked before the construct joins the tree: a refused group leaves nothing behind.
    const config = props.sluice._admitConsumer(props.group, props);
    super(scope, id);
    const { sluice, group } = props;
    this.sluice = sluice;
    this.group = group;
    this.config = config;

    this.pollerFunction = sluice._createFunction('Poller', {
      scope: this,
      entry: POLLER_HANDLER_ENTRY,
      description: `Sluice ${sluice.clusterId}: poller of consumer group ${group}`,
      // A stream-triggered group's function waits on I/O for one short drain at a time.
      memorySize: config.trigger === 'stream' ? STREAM_FUNCTION_MEMORY_MB : sluice._poller.memorySize,
      timeout: sluice._poller.timeout,
      // A failed run is not retried by Lambda: the next scheduled run (or wake-up) resumes
      // from the committed offsets anyway.
      retryAttempts: 0,
      access: { kind: 'poller', group },
      environment: {
        SLUICE_CONSUMER_CONFIG: Stack.of(this).toJsonString(config),
        // The event's bootstrapServers. A function URL cannot be named here: its URL depends on
        // the HTTP function, which depends on every poller it wakes (their names and its grant
        // to invoke them), so the event then says `sluice://<clusterId>`.
        ...(sluice.endpoint === 'function-url' ? {} : { SLUICE_ENDPOINT_URL: sluice.endpointUrl }),
      },
    });
    this.poller = this.pollerFunction.function;
    iam.Grant.addToPrincipal({
      grantee: this.poller,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [props.handler.functionArn],
    });
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Starts the Sluice poller of consumer group ${group} every minute`,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.poller, { retryAttempts: 0 })],
    });
    if (config.trigger === 'stream') {
      // The cluster's one stream dispatcher invokes the group's function with its new slots.
      sluice._addStreamGroup(group, config.topics, config.maxBatchingWindowMs, this.poller);
    } else {
      // Producers wake a polling group; a stream-triggered one is invoked by the stream.
      sluice._addWakeTarget(group, config.topics, this.poller);
    }
    sluice._addPollerGroup(group, config.topics, props.allowHttpMembers ?? false);
    if (!this.node.scopes.includes(sluice)) sluice._acknowledgeDataAccess(this);

    const monitoring = sluice.monitoring;
    ({ errors: this.errorsAlarm, throttles: this.throttlesAlarm } = monitoring.monitorFunction(
      this,
      this.poller,
      `Consumer-${group}-Poller`,
    ));
    const lagThreshold = sluice._lagAlarmThreshold;
    this.lagAlarm = this.metricLag().createAlarm(this, 'LagAlarm', {
      alarmDescription: `Sluice ${sluice.clusterId}: consumer group ${group} is more than ${lagThreshold} records behind`,
      threshold: lagThreshold,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm = this.metricDeadLetteredRecords().createAlarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Sluice ${sluice.clusterId}: consumer group ${group} dead-lettered records`,
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    monitoring.addAlarm(this.lagAlarm);
    monitoring.addAlarm(this.deadLetterAlarm);
    monitoring.graphConsumerGroup(this);
    sluice._addConsumer(this);
  }

  /** Every alarm of the group: poller errors and throttles, lag, dead letters. */
  get alarms(): cloudwatch.Alarm[] {
    return [this.errorsAlarm, this.throttlesAlarm, this.lagAlarm, this.deadLetterAlarm];
  }

  /** Records the group is behind, the maximum over its partitions. @default Maximum over 5 minutes */
  metricLag(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.sluice.metricConsumerLag(this.group, props);
  }

  /** Records the group sent to its dead-letter topic. @default Sum over 5 minutes */
  metricDeadLetteredRecords(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.sluice.metricDeadLetteredRecords(this.group, props);
  }

  /** Failed invocations of the group's poller. @default Sum over 5 minutes */
  metricErrors(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.poller.metricErrors(props);
  }

  /** Throttled invocations of the group's poller. @default Sum over 5 minutes */
  metricThrottles(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.poller.metricThrottles(props);
  }
}
