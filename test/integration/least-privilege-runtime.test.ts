import { createPollerHandler } from '../../functions/poller/handler';
import type { PollerMetrics } from '../../functions/poller/metrics';
import { COMMAND_ACTIONS, dataAccessStatements, type SluiceDataAccess } from '../../infra/data-access';
import { type Cluster, createCluster } from '../../shared/cluster';
import { configFromEnv, type SluiceConfig } from '../../shared/config';
import { createHttpApi } from '../../shared/http/router';
import type { HttpRequest } from '../../shared/http/types';
import { RETENTION_CHANGE_SETTLE_MS, sweepAll } from '../../shared/retention';
import { createAwsClients } from '../../shared/storage/aws';
import { provisionResources } from '../../shared/storage/provision';
import {
  consumerEnv,
  createTestTopic,
  FAST_POLLER,
  produce,
  silentLogger,
  testGroupName,
} from '../support/groups';
import { destroyClients, uniqueName } from '../support/local-aws';
import { checkedApi } from '../support/openapi';

/** One authorization IAM would make for one request: action, resource, condition context. */
interface Authorization {
  readonly action: string;
  readonly resource: string;
  readonly leadingKey?: string;
  readonly prefix?: string;
  readonly request: string;
}

let config: SluiceConfig = configFromEnv();
const ARN = { bucket: 'arn:bucket', log: 'arn:log-table', meta: 'arn:meta-table' };
const tableArn = (name: string) =>
  name === config.logTable ? ARN.log : name === config.metaTable ? ARN.meta : `?${name}`;

/** Records what IAM would check for every DynamoDB and S3 request the clients send. */
function recordingClients(into: Authorization[]) {
  const clients = createAwsClients(config);
  const record =
    (service: 'DynamoDB' | 'S3') =>
    // biome-ignore lint/suspicious/noExplicitAny: middleware sees every command's input.
    (next: any, context: any) =>
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    async (args: any) => {
      const command = String(context.commandName).replace(/Command$/, '');
      const input = args.input;
      const name = `${service}:${command}`;
      const actions = COMMAND_ACTIONS[name] ?? [`?${name}`];
      if (service === 'S3') {
        for (const action of actions) {
          into.push(
            command === 'ListObjectsV2'
              ? { action, resource: ARN.bucket, prefix: input.Prefix, request: name }
              : { action, resource: `${ARN.bucket}/${input.Key}`, request: name },
          );
        }
      } else if (command === 'TransactWriteItems') {
        for (const item of input.TransactItems) {
          const [kind, body] = Object.entries(item)[0] as [string, CfnItem];
          const key = body.Key ?? body.Item;
          into.push({
            action: `dynamodb:${kind === 'Put' ? 'PutItem' : kind === 'Delete' ? 'DeleteItem' : kind === 'Update' ? 'UpdateItem' : 'ConditionCheckItem'}`,
            resource: tableArn(body.TableName),
            leadingKey: key?.pk?.S,
            request: `${name}/${kind}`,
          });
        }
      } else {
        const key = input.Key ?? input.Item;
        const leadingKey = key?.pk?.S ?? input.ExpressionAttributeValues?.[':pk']?.S;
        for (const action of actions)
          into.push({ action, resource: tableArn(input.TableName), leadingKey, request: name });
      }
      return next(args);
    };
  clients.dynamodb.middlewareStack.add(record('DynamoDB'), {
    step: 'initialize',
    name: 'recordAuthorizations',
  });
  clients.s3.middlewareStack.add(record('S3'), { step: 'initialize', name: 'recordAuthorizations' });
  return clients;
}

type CfnItem = {
  TableName: string;
  Key?: Record<string, { S?: string }>;
  Item?: Record<string, { S?: string }>;
};

/** Whether a wildcard pattern of IAM (`*` only) matches. */
function like(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(value);
}

/** The authorizations the function's statements do not allow. */
function denied(access: SluiceDataAccess, authorizations: Authorization[]): string[] {
  const statements = dataAccessStatements(access, {
    bucketArn: ARN.bucket,
    logTableArn: ARN.log,
    metaTableArn: ARN.meta,
  }).map(({ statement }) => statement.toStatementJson());
  const allowed = (a: Authorization) =>
    statements.some((s) => {
      const actions: string[] = [s.Action].flat();
      const resources: string[] = [s.Resource].flat();
      if (!actions.includes(a.action) || !resources.some((r) => like(r, a.resource))) return false;
      const keys: string[] | undefined = s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];
      if (keys && (a.leadingKey === undefined || !keys.includes(a.leadingKey))) return false;
      const prefixes: string[] | undefined = s.Condition?.StringLike?.['s3:prefix'];
      if (prefixes && (a.prefix === undefined || !prefixes.some((p) => like(p, a.prefix as string))))
        return false;
      return true;
    });
  return [
    ...new Set(
      authorizations
        .filter((a) => !allowed(a))
        .map((a) => `${a.request}: ${a.action} ${a.resource} ${a.leadingKey ?? a.prefix ?? ''}`),
    ),
  ];
}

/** The cluster that creates topics and produces; per storage below. */
let setup: Cluster;

async function withRecordedCluster<T>(run: (cluster: Cluster) => Promise<T>): Promise<Authorization[]> {
  const authorizations: Authorization[] = [];
  const clients = recordingClients(authorizations);
  const cluster = createCluster(config, { clients });
  try {
    await run(cluster);
  } finally {
    destroyClients(clients);
  }
  return authorizations;
}

const quietMetrics: PollerMetrics = { observer: {}, lag: () => {}, publish: () => {} };

/**
 * Both ways a section is stored: inline (the default for these small records) touches only
 * the log table; in S3 (threshold 0) adds the segment objects' actions.
 */
const STORAGES = [
  { name: 'sections inline', inlineSectionMaxBytes: undefined, s3: false },
  { name: 'sections in S3 (threshold 0)', inlineSectionMaxBytes: 0, s3: true },
] as const;

const base = config;

for (const storage of STORAGES) {
  describe(`every request a function sends is allowed by its grants (infra/data-access.ts), ${storage.name}`, () => {
    beforeAll(() => {
      config = { ...base, inlineSectionMaxBytes: storage.inlineSectionMaxBytes };
      setup = createCluster(config);
    });
    afterAll(() => {
      setup.close();
      config = base;
    });

    it('the poller: fetch, leases, commits, dead letters — its own group only', async () => {
      const topic = await createTestTopic(setup, 'iam', 2);
      const dlq = await createTestTopic(setup, 'iam-dlq', 1);
      const group = testGroupName('iam');
      await produce(
        setup,
        topic,
        Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: `v${i}` })),
      );
      let delivered = 0;
      const authorizations = await withRecordedCluster(async (cluster) => {
        const handle = createPollerHandler({
          cluster,
          env: consumerEnv(group, topic, { retryAttempts: 0, onFailureTopic: dlq.name }),
          invoke: async (_name, event) => {
            delivered += Object.values(event.records).flat().length;
            throw new Error('handler fails: every record goes to the dead-letter topic');
          },
          logger: silentLogger,
          metrics: quietMetrics,
          idleTimeoutMs: 1_000,
          leaseDurationMs: FAST_POLLER.leaseDurationMs,
          heartbeatIntervalMs: FAST_POLLER.heartbeatIntervalMs,
          pollIntervalMs: FAST_POLLER.pollIntervalMs,
        });
        const deadline = Date.now() + 20_000;
        await handle({ source: 'aws.events' }, { getRemainingTimeInMillis: () => deadline - Date.now() });
      });
      expect(delivered).toBeGreaterThanOrEqual(6);
      expect((await setup.log.fetch({ topic: dlq, partition: 0, offset: 0 })).records.length).toBe(6);
      const kinds = new Set(authorizations.map((a) => a.action));
      expect(kinds).toEqual(
        new Set([
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          ...(storage.s3 ? ['s3:GetObject', 's3:PutObject'] : []),
        ]),
      );
      expect(denied({ kind: 'poller', group }, authorizations)).toEqual([]);
      // The control: another group's poller would be refused this one's items.
      expect(denied({ kind: 'poller', group: `${group}-other` }, authorizations).length).toBeGreaterThan(0);
    }, 60_000);

    it('the HTTP function and the sweeper: topics, produce (idempotent), fetch, a group, delete, purge', async () => {
      // Tables of its own: the sweep must not touch other tests' topics.
      const shared = config;
      config = {
        ...shared,
        bucket: uniqueName('iam').slice(0, 40),
        logTable: uniqueName('iam-log'),
        metaTable: uniqueName('iam-meta'),
      };
      try {
        const admin = createAwsClients(config);
        await provisionResources(config, admin);
        destroyClients(admin);
        const cid = config.clusterId;
        const json = (
          method: string,
          path: string,
          body?: unknown,
          headers: Record<string, string> = {},
        ): HttpRequest => ({
          method,
          path,
          query: {},
          headers: { 'content-type': 'application/json', ...headers },
          body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
        });
        const statuses: number[] = [];
        const httpAuthorizations = await withRecordedCluster(async (cluster) => {
          const api = checkedApi(createHttpApi(cluster));
          const call = async (request: HttpRequest) => {
            const response = await api(request);
            statuses.push(response.status);
            return JSON.parse(response.body || '{}');
          };
          await call(
            json('POST', `/v3/clusters/${cid}/topics`, { topic_name: 'orders', partitions_count: 2 }),
          );
          // An idempotent produce, then its retry: answered from the range the producer state
          // names, read from the log table.
          for (let attempt = 0; attempt < 2; attempt++) {
            await call(
              json(
                'POST',
                `/v3/clusters/${cid}/topics/orders/records`,
                { value: { type: 'JSON', data: { n: 1 } } },
                { 'sluice-producer-id': 'checkout-1', 'sluice-producer-seq': '0' },
              ),
            );
          }
          await call(
            json('POST', `/v3/clusters/${cid}/topics/orders/records:batch`, {
              entries: [{ id: '1', partition_id: 1, value: { type: 'JSON', data: 2 } }],
            }),
          );
          await call({
            ...json('GET', `/v3/clusters/${cid}/topics/orders/partitions/1/records`),
            query: { offset: '0' },
          });
          await call(json('GET', `/v3/clusters/${cid}/topics/orders/partitions`));
          const joined = await call(
            json('POST', `/v3/clusters/${cid}/consumer-groups/billing/members`, {
              topics: ['orders'],
              auto_offset_reset: 'earliest',
            }),
          );
          await call(json('GET', `/v3/clusters/${cid}/consumer-groups/billing/lags`));
          await call(
            json(
              'DELETE',
              `/v3/clusters/${cid}/consumer-groups/billing/members/${joined.member_id}`,
              undefined,
              {
                'sluice-member-token': joined.member_token,
              },
            ),
          );
          // A Confluent v2 consumer instance of the same group: its item, membership, reads and commits.
          const instance = '/consumers/billing/instances/v2';
          await call(
            json('POST', '/consumers/billing', {
              name: 'v2',
              format: 'json',
              'auto.offset.reset': 'earliest',
            }),
          );
          await call(json('POST', `${instance}/subscription`, { topics: ['orders'] }));
          await call({
            ...json('GET', `${instance}/records`, undefined, {
              accept: 'application/vnd.kafka.json.v2+json',
            }),
            query: { timeout: '0' },
          });
          await call(json('POST', `${instance}/offsets`));
          await call(json('DELETE', instance));
          await call(json('DELETE', `/v3/clusters/${cid}/consumer-groups/billing`));
          await call(json('DELETE', `/v3/clusters/${cid}/topics/orders`));
        });
        expect(statuses.every((status) => status < 300)).toBe(true);
        expect(statuses).toHaveLength(16);
        expect(denied({ kind: 'http' }, httpAuthorizations)).toEqual([]);
        expect(httpAuthorizations.some((a) => a.action === 's3:DeleteObject')).toBe(false);

        // A raised retention: the sweep moves the TTLs of inline slots, then unmarks the topic
        // (once writers' cached configs are past the change, hence the later clock).
        const unrecorded = createCluster(config);
        const raised = await unrecorded.topics.create({
          name: uniqueName('raised'),
          configs: [{ name: 'retention.ms', value: '3600000' }],
        });
        await unrecorded.log.append(raised, [
          { key: null, value: Buffer.from('r'), headers: [], timestamp: Date.now() },
        ]);
        await unrecorded.topics.alterConfigs(raised.name, [{ name: 'retention.ms', value: '7200000' }]);

        let swept: unknown;
        const sweeperAuthorizations = await withRecordedCluster(async (cluster) => {
          swept = await sweepAll(cluster, Date.now() + RETENTION_CHANGE_SETTLE_MS + 1_000, {
            purgeDelayMs: 0,
          });
        });
        expect(JSON.stringify(swept)).toMatch(storage.s3 ? /"itemsExtended":0/ : /"itemsExtended":1/);
        const settled = (await unrecorded.topics.list()).find((topic) => topic.id === raised.id);
        expect(settled?.expiryFloor).toBeUndefined();
        unrecorded.close();
        expect(
          sweeperAuthorizations.some(
            (a) => a.action === 'dynamodb:UpdateItem' && a.resource === ARN.meta && a.leadingKey === 'topic',
          ),
        ).toBe(true);
        // Inline slots leave no object: only the purge's listing of the topic's prefix touches S3.
        expect(JSON.stringify(swept)).toMatch(storage.s3 ? /"objectsDeleted":[1-9]/ : /"objectsDeleted":0/);
        expect(sweeperAuthorizations.some((a) => a.action === 's3:DeleteObject')).toBe(storage.s3);
        expect(sweeperAuthorizations.some((a) => a.action === 's3:ListBucket')).toBe(true);
        expect(denied({ kind: 'sweeper' }, sweeperAuthorizations)).toEqual([]);
        // The control: the HTTP function's grants would refuse the sweeper's deletes.
        expect(denied({ kind: 'http' }, sweeperAuthorizations).length).toBeGreaterThan(0);
      } finally {
        config = shared;
      }
    }, 60_000);
  });
}
