import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PollerObserver } from '../../shared/poller';

/** The poller's CloudWatch metrics, with the dimensions the CDK construct's alarms expect. */
export interface PollerMetrics {
  readonly observer: PollerObserver;
  /** Records the group's largest partition lag (`ConsumerLag`). */
  lag(maxLag: number): void;
  /** Flushes the buffered metrics (EMF lines on stdout). */
  publish(): void;
}

/**
 * `ConsumedRecords` (dimension ClusterId), `DeadLetteredRecords` and `ConsumerLag`
 * (ClusterId, ConsumerGroup) in the `Sluice` namespace. Powertools adds a `service`
 * dimension by default; it is cleared, or the metrics would not match the alarms.
 *
 * @example
 * const metrics = createPollerMetrics('prod', 'billing');
 * metrics.lag(12); metrics.publish();
 */
export function createPollerMetrics(clusterId: string, group: string): PollerMetrics {
  const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Sluice';
  const cluster = new Metrics({ namespace, serviceName: 'sluice-poller' });
  cluster.clearDefaultDimensions();
  cluster.setDefaultDimensions({ ClusterId: clusterId });
  const perGroup = new Metrics({ namespace, serviceName: 'sluice-poller' });
  perGroup.clearDefaultDimensions();
  perGroup.setDefaultDimensions({ ClusterId: clusterId, ConsumerGroup: group });
  let consumed = 0;
  let deadLettered = 0;
  let maxLag: number | undefined;
  return {
    observer: {
      onCommitted: ({ records }) => {
        consumed += records;
      },
      onDeadLettered: ({ offsets }) => {
        deadLettered += offsets.length;
      },
    },
    lag(value) {
      maxLag = value;
    },
    publish() {
      if (consumed > 0) cluster.addMetric('ConsumedRecords', MetricUnit.Count, consumed);
      if (deadLettered > 0) perGroup.addMetric('DeadLetteredRecords', MetricUnit.Count, deadLettered);
      if (maxLag !== undefined) perGroup.addMetric('ConsumerLag', MetricUnit.Count, maxLag);
      if (consumed > 0) cluster.publishStoredMetrics();
      if (deadLettered > 0 || maxLag !== undefined) perGroup.publishStoredMetrics();
      consumed = 0;
      deadLettered = 0;
      maxLag = undefined;
    },
  };
}
