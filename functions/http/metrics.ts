import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** Produce metrics of the HTTP function, matching the construct's `metricProduced*` helpers. */
export interface ProduceMetrics {
  /** Notes records appended during the current invocation. */
  produced(records: number): void;
  /** Notes offsets this process voided (its own failed appends, or ranges found open too long). */
  voided(offsets: number): void;
  /** Publishes `ProducedRecords` and `ProduceLatency` if this invocation produced anything, and `VoidedOffsets`. */
  publish(latencyMs: number): void;
}

/**
 * `ProducedRecords` (Sum), `ProduceLatency` (ms) and `VoidedOffsets` (Sum) in the `Sluice` namespace with the single
 * dimension `ClusterId`. Powertools adds a `service` dimension by default; it is cleared, or
 * the metrics would not match the dashboard and alarms.
 *
 * @example
 * const metrics = createProduceMetrics('prod');
 * metrics.produced(10); metrics.publish(42);
 */
export function createProduceMetrics(clusterId: string): ProduceMetrics {
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Sluice',
    serviceName: 'sluice-http',
  });
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ ClusterId: clusterId });
  let records = 0;
  let voided = 0;
  return {
    produced(count) {
      records += count;
    },
    voided(count) {
      voided += count;
    },
    publish(latencyMs) {
      if (records === 0 && voided === 0) return;
      if (records > 0) {
        metrics.addMetric('ProducedRecords', MetricUnit.Count, records);
        metrics.addMetric('ProduceLatency', MetricUnit.Milliseconds, latencyMs);
      }
      if (voided > 0) metrics.addMetric('VoidedOffsets', MetricUnit.Count, voided);
      metrics.publishStoredMetrics();
      records = 0;
      voided = 0;
    },
  };
}
