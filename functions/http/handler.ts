import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { fromApiGatewayEvent, toApiGatewayResult } from '../../shared/http/lambda-adapter';
import { createHttpApi } from '../../shared/http/router';
import { wakerFromEnv } from '../../shared/poller';
import { createProduceMetrics } from './metrics';

const logger = new Logger({ serviceName: 'sluice-http' });
const config = configFromEnv();
const metrics = createProduceMetrics(config.clusterId);
// Built once per warm function: the SDK clients and the topic cache live as long as it does.
const cluster = createCluster(config, {
  log: {
    observer: {
      onVoid: ({ count, outcome }) => {
        if (outcome === 'voided') metrics.voided(count);
      },
    },
  },
});
// Wakes the poller of an idle consumer group that reads a topic just written to.
const wake = wakerFromEnv(cluster);
const api = createHttpApi(cluster, {
  onProduced: (topic, records) => {
    metrics.produced(records);
    wake?.(topic);
  },
  onError: (error, request) => logger.error('request failed', { error: error as Error, path: request.path }),
});

/**
 * The HTTP API behind API Gateway (HTTP API, payload v2) or a Lambda function URL: the same
 * router the local server runs.
 */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const started = Date.now();
  const response = await api(fromApiGatewayEvent(event));
  // Lambda freezes the sandbox once the handler returns: a wake-up still in flight would be
  // lost (its claim then holds other wakers off until it expires), so it finishes first. The
  // waker looks at a group's marker at most once a second, so most requests wait for nothing.
  await wake?.settled();
  metrics.publish(Date.now() - started);
  return toApiGatewayResult(response);
}
