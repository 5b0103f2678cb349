import { Duration, Lazy, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { streamBatchingWindowSeconds } from '../shared/poller/consumer-config';
import { SEQUENCER_SORT_KEY } from '../shared/storage/schema';
import type { Sluice } from './sluice';
import { type SluiceFunction, STREAM_DISPATCH_HANDLER_ENTRY } from './sluice-function';

/**
 * Memory of the stream dispatcher in MB: per batch it maps a few topic ids (a warm cache) and
 * starts each concerned group's function asynchronously; docs/design/stream-trigger.md has
 * the measurement.
 */
export const STREAM_DISPATCHER_MEMORY_MB = 128;

/** Stream records (new slots) per invocation of the stream dispatcher. */
export const STREAM_BATCH_SIZE = 100;

/** A stream-triggered group as the dispatcher is told about it. */
interface StreamTarget {
  readonly group: string;
  readonly topics: readonly string[];
  readonly functionName: string;
  /** The group's `maxBatchingWindow` in whole seconds. */
  readonly windowSeconds: number;
}

/**
 * The one reader of a cluster's log table stream: a small function with the one event source
 * mapping on the stream (new slots only), which starts each stream-triggered group's function
 * asynchronously with the partitions of its topics a batch touched
 * (`functions/stream-dispatch/handler.ts`). DynamoDB Streams allows at most two readers of a
 * shard at a time, so groups never read the stream themselves. {@link Sluice} creates it with
 * its first stream-triggered group; each later one is added with {@link addGroup}.
 */
export class SluiceStreamDispatcher extends Construct {
  /** The dispatcher function. */
  readonly dispatcherFunction: SluiceFunction;
  /** The event source mapping of the log table's stream. */
  readonly mapping: lambda.EventSourceMapping;
  /** Fires on any failed dispatcher invocation (the mapping retries the batch twice). */
  readonly errorsAlarm: cloudwatch.Alarm;
  /** Fires on any throttled dispatcher invocation. */
  readonly throttlesAlarm: cloudwatch.Alarm;

  private readonly targets: StreamTarget[] = [];

  constructor(scope: Construct, id: string, sluice: Sluice) {
    super(scope, id);
    this.dispatcherFunction = sluice._createFunction('Function', {
      scope: this,
      entry: STREAM_DISPATCH_HANDLER_ENTRY,
      description: `Sluice ${sluice.clusterId}: stream dispatcher of the stream-triggered consumer groups`,
      memorySize: STREAM_DISPATCHER_MEMORY_MB,
      timeout: Duration.seconds(30),
      // Invoked by its event source mapping only, which has its own retries.
      retryAttempts: 0,
      access: { kind: 'dispatcher' },
    });
    const fn = this.dispatcherFunction.function;
    fn.addEnvironment(
      'SLUICE_STREAM_GROUPS',
      Lazy.string({
        produce: () =>
          Stack.of(this).toJsonString(
            this.targets.map(({ group, topics, functionName }) => ({ group, topics, functionName })),
          ),
      }),
    );
    sluice.logTable.grantStreamRead(fn);
    this.mapping = fn.addEventSourceMapping('LogStream', {
      eventSourceArn: sluice.logTable.tableStreamArn as string,
      // Records written before the mapping existed are the groups' scheduled ticks'.
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: STREAM_BATCH_SIZE,
      // A failed dispatch (a topic lookup, an invoke) is retried twice, then the batch is
      // dropped: its partitions are drained by the next batch or the groups' ticks.
      retryAttempts: 2,
      bisectBatchOnError: false,
      filters: [
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.isEqual('INSERT'),
          dynamodb: { Keys: { sk: { N: lambda.FilterRule.notEquals(String(SEQUENCER_SORT_KEY)) } } },
        }),
      ],
    });
    // One window for every group: the smallest of theirs, so none waits longer than it asked.
    (this.mapping.node.defaultChild as lambda.CfnEventSourceMapping).maximumBatchingWindowInSeconds =
      Lazy.number({ produce: () => Math.min(...this.targets.map((t) => t.windowSeconds)) });
    Validations.of(this.dispatcherFunction.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, which the event source mapping needs, supports no resource-level permission; ' +
        'the stream reads themselves (DescribeStream, GetRecords, GetShardIterator) name the log table stream.',
    });
    ({ errors: this.errorsAlarm, throttles: this.throttlesAlarm } = sluice.monitoring.monitorFunction(
      this,
      fn,
      'StreamDispatcher',
    ));
  }

  /** Every alarm of the dispatcher: errors and throttles. */
  get alarms(): cloudwatch.Alarm[] {
    return [this.errorsAlarm, this.throttlesAlarm];
  }

  /**
   * Adds a stream-triggered group: the dispatcher may invoke its function, and triggers it with
   * the new slots of its topics.
   */
  addGroup(
    group: string,
    topics: readonly string[],
    maxBatchingWindowMs: number,
    fn: lambda.IFunction,
  ): void {
    iam.Grant.addToPrincipal({
      grantee: this.dispatcherFunction.function,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [fn.functionArn],
    });
    this.targets.push({
      group,
      topics,
      functionName: fn.functionName,
      windowSeconds: streamBatchingWindowSeconds(maxBatchingWindowMs),
    });
  }
}
