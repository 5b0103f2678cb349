/**
 * Links in v3 answers are absolute, as Confluent's are: built from where the client reached
 * the API — the local server's Host, or API Gateway's domain name and stage — so a generated
 * client can follow them behind API Gateway. Produce answers carry no links and are untouched.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createCluster } from '../../shared/cluster';
import { configFromEnv } from '../../shared/config';
import { fromApiGatewayEvent } from '../../shared/http/lambda-adapter';
import { createHttpApi } from '../../shared/http/router';
import { startTestServer, type TestServer } from '../support/client-server';
import { checkedApi } from '../support/openapi';
import { type Json, uniqueName } from './support/core';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Every link of an answer: `metadata.self`, `metadata.next` and each relationship's `related`. */
function linksOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(linksOf);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, field]) =>
    ['self', 'next', 'related'].includes(key) && typeof field === 'string' ? [field] : linksOf(field),
  );
}

describe('absolute links', () => {
  it('over the local server: every link starts with the URL the client called, and resolves', async () => {
    const topic = uniqueName('links');
    const clusterPath = `/v3/clusters/${server.cluster.config.clusterId}`;
    const created = await fetch(`${server.url}${clusterPath}/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: topic, partitions_count: 1 }),
    });
    expect(created.status).toBe(201);
    const described: Json = await (await fetch(`${server.url}${clusterPath}/topics/${topic}`)).json();
    const links = linksOf(described);
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const link of links) {
      expect(link.startsWith(`${server.url}/v3/`)).toBe(true);
      expect({ link, status: (await fetch(link)).status }).toEqual({ link, status: 200 });
    }
    const produced: Json = await (
      await fetch(`${server.url}${clusterPath}/topics/${topic}/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: { data: 1 } }),
      })
    ).json();
    expect(produced).toMatchObject({ error_code: 200, topic_name: topic });
  });

  it("behind API Gateway: links carry the API's domain name and a named stage's prefix", async () => {
    const cluster = createCluster(configFromEnv());
    try {
      const api = checkedApi(createHttpApi(cluster));
      const event = (stage: string) =>
        ({
          version: '2.0',
          rawPath: `/v3/clusters/${cluster.config.clusterId}`,
          rawQueryString: '',
          headers: {},
          isBase64Encoded: false,
          requestContext: {
            domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
            stage,
            http: { method: 'GET' },
          },
        }) as unknown as APIGatewayProxyEventV2;
      const atDefault = JSON.parse((await api(fromApiGatewayEvent(event('$default')))).body);
      expect(atDefault.metadata.self).toBe(
        `https://abc123.execute-api.eu-west-1.amazonaws.com/v3/clusters/${cluster.config.clusterId}`,
      );
      expect(
        linksOf(atDefault).every((l) =>
          l.startsWith('https://abc123.execute-api.eu-west-1.amazonaws.com/v3/'),
        ),
      ).toBe(true);
      const atProd = JSON.parse((await api(fromApiGatewayEvent(event('prod')))).body);
      expect(atProd.topics.related).toBe(
        `https://abc123.execute-api.eu-west-1.amazonaws.com/prod/v3/clusters/${cluster.config.clusterId}/topics`,
      );
    } finally {
      cluster.close();
    }
  });
});
