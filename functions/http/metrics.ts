import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** Produce metrics of the HTTP function, matching the construct's `metricProduced*` helpers. */
export interface ProduceMetrics {
  /** Notes records appended during the current invocation. */
  produced(records: number): void;
  /** Publishes `ProducedRecords` and `ProduceLatency` if this invocation produced anything. */
  publish(latencyMs: number): void;
}

/**
 * `ProducedRecords` (Sum) and `ProduceLatency` (ms) in the `Sluice` namespace with the single
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
  return {
    produced(count) {
      records += count;
    },
    publish(latencyMs) {
      if (records === 0) return;
      metrics.addMetric('ProducedRecords', MetricUnit.Count, records);
      metrics.addMetric('ProduceLatency', MetricUnit.Milliseconds, latencyMs);
      metrics.publishStoredMetrics();
      records = 0;
    },
  };
}
