import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { measureBundle } from '../../infra/bundle-size';
import {
  BUNDLE_SDK_COMMANDS,
  COMMAND_ACTIONS,
  SEGMENT_PREFIX,
  type SluiceDataAccess,
} from '../../infra/data-access';
import { Sluice } from '../../infra/sluice';
import {
  HTTP_HANDLER_ENTRY,
  POLLER_HANDLER_ENTRY,
  REPO_ROOT,
  RETENTION_HANDLER_ENTRY,
  type SluiceFunction,
  STREAM_DISPATCH_HANDLER_ENTRY,
} from '../../infra/sluice-function';
import { META_PARTITION_KEYS } from '../../shared/storage/schema';
import { asArray, type CfnJson, newApp, synthSluice } from './support';

/** One Allow statement of a role, with its resources and conditions resolved to text. */
interface Granted {
  readonly actions: string[];
  readonly resources: string[];
  readonly conditions: Record<string, Record<string, string[]>>;
}

/** Renders `{ 'Fn::GetAtt': [id, 'Arn'] }` and `Fn::Join` as `<id.Arn>…` text. */
function text(value: CfnJson): string {
  if (typeof value === 'string') return value;
  if (value['Fn::GetAtt']) return `<${value['Fn::GetAtt'][0]}.${value['Fn::GetAtt'][1]}>`;
  if (value['Fn::Join']) return (value['Fn::Join'][1] as CfnJson[]).map(text).join(value['Fn::Join'][0]);
  if (value.Ref) return `<${value.Ref}>`;
  return JSON.stringify(value);
}

function grantsOf(template: Template, stack: Stack, fn: SluiceFunction): Granted[] {
  const roleId = stack.getLogicalId(fn.role.node.defaultChild as iam.CfnRole);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => asArray<CfnJson>(p.Properties.Roles).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[])
    .filter((st) => st.Effect === 'Allow')
    .map((st) => ({
      actions: asArray<string>(st.Action),
      resources: asArray<CfnJson>(st.Resource).map(text),
      conditions: Object.fromEntries(
        Object.entries((st.Condition ?? {}) as Record<string, Record<string, CfnJson>>).map(([op, keys]) => [
          op,
          Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, asArray<CfnJson>(v).map(text)])),
        ]),
      ),
    }));
}

function actionsOf(grants: Granted[]): string[] {
  return [...new Set(grants.flatMap((g) => g.actions))].sort();
}

/** The grants that allow `action`. */
function allowing(grants: Granted[], action: string): Granted[] {
  return grants.filter((g) => g.actions.includes(action));
}

/**
 * What the dispatcher's event source mapping reads the log table's stream with: Lambda's
 * poller uses the function's role, the bundle never sends these.
 */
const MAPPING_STREAM_READS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];

const UNUSED_ACTIONS = [
  'dynamodb:Scan',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  's3:DeleteObjectVersion',
  's3:GetObjectVersion',
];

let stack: Stack;
let sluice: Sluice;
let template: Template;
let ids: { bucket: string; log: string; meta: string };

beforeAll(() => {
  ({ stack, sluice } = (() => {
    const app = newApp();
    const s = new Stack(app, 'Grants');
    const c = new Sluice(s, 'Sluice');
    const handler = (id: string) =>
      new lambda.Function(s, id, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => {}'),
      });
    c.addConsumer('billing', { topics: ['orders'], handler: handler('Billing') });
    c.addConsumer('audit', {
      topics: ['orders'],
      handler: handler('Audit'),
      onFailure: 'orders-dlq',
      retryAttempts: 1,
    });
    c.addConsumer('ledger', { topics: ['orders'], handler: handler('Ledger'), trigger: 'stream' });
    return { stack: s, sluice: c };
  })());
  template = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as iam.CfnRole);
  ids = { bucket: id(sluice.bucket), log: id(sluice.logTable), meta: id(sluice.metaTable) };
});

const http = () => grantsOf(template, stack, sluice.apiFunction);
const sweeper = () => grantsOf(template, stack, sluice.retentionFunction);
const poller = (group: string) => {
  const consumer = sluice.consumers.find((c) => c.group === group);
  if (!consumer) throw new Error(`no consumer ${group}`);
  return grantsOf(template, stack, consumer.pollerFunction);
};
const dispatcher = () => {
  const found = sluice.streamDispatcher;
  if (!found) throw new Error('no stream dispatcher');
  return grantsOf(template, stack, found.dispatcherFunction);
};
const allFunctions = () => [
  http(),
  sweeper(),
  poller('billing'),
  poller('audit'),
  poller('ledger'),
  dispatcher(),
];

describe('object grants', () => {
  it('name only keys under the segment prefix, in every role', () => {
    for (const grants of allFunctions()) {
      for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
        for (const g of allowing(grants, action))
          expect(g.resources).toEqual([`<${ids.bucket}.Arn>/${SEGMENT_PREFIX}*`]);
      }
    }
    // The core writes every segment under it (shared/log/append.ts uses the same constant).
    expect(SEGMENT_PREFIX).toBe('segments/');
  });

  it('let only the retention sweeper delete, and the sweeper neither read nor write objects', () => {
    expect(allowing(http(), 's3:DeleteObject')).toEqual([]);
    expect(allowing(poller('billing'), 's3:DeleteObject')).toEqual([]);
    expect(actionsOf(sweeper()).filter((a) => a.startsWith('s3:'))).toEqual([
      's3:DeleteObject',
      's3:ListBucket',
    ]);
    expect(actionsOf(http()).filter((a) => a.startsWith('s3:'))).toEqual([
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  it('let the sweeper list only the segment prefix', () => {
    const [list] = allowing(sweeper(), 's3:ListBucket');
    expect(list.resources).toEqual([`<${ids.bucket}.Arn>`]);
    expect(list.conditions).toEqual({ StringLike: { 's3:prefix': [`${SEGMENT_PREFIX}*`] } });
  });
});

describe('table grants', () => {
  it('hold no action any function leaves unused (scans, batches, condition checks, describe)', () => {
    for (const grants of allFunctions()) {
      for (const action of UNUSED_ACTIONS) expect(allowing(grants, action)).toEqual([]);
    }
  });

  it("limit each poller to its own group's items, the group list and topic reads", () => {
    for (const [group, other] of [
      ['billing', 'audit'],
      ['audit', 'billing'],
    ]) {
      const meta = poller(group).filter((g) => g.resources.some((r) => r.includes(ids.meta)));
      expect(meta.length).toBeGreaterThan(0);
      for (const g of meta) {
        const keys = g.conditions['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];
        expect(keys).toBeDefined();
        expect(keys).not.toContain(`${META_PARTITION_KEYS.groupPrefix}${other}`);
        const writes = g.actions.filter((a) => /PutItem|UpdateItem|DeleteItem/.test(a));
        if (writes.length > 0) {
          expect([
            [`${META_PARTITION_KEYS.groupPrefix}${group}`],
            [META_PARTITION_KEYS.groupList],
          ]).toContainEqual(keys);
        }
        if (keys?.includes(META_PARTITION_KEYS.groupList))
          expect(g.actions.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
        if (keys?.includes(META_PARTITION_KEYS.topic))
          expect(g.actions.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
      }
      // No producer state, no topic creation or deletion.
      const keys = meta.flatMap((g) => g.conditions['ForAllValues:StringEquals']['dynamodb:LeadingKeys']);
      expect(keys.sort()).toEqual(
        [
          `${META_PARTITION_KEYS.groupPrefix}${group}`,
          META_PARTITION_KEYS.groupList,
          META_PARTITION_KEYS.topic,
        ].sort(),
      );
    }
  });

  it('let the sweeper read only the topic lists, unmark only topic items and delete only deleted-topic markers in the meta table', () => {
    const meta = sweeper().filter((g) => g.resources.some((r) => r.includes(ids.meta)));
    expect(
      meta.map((g) => [g.actions, g.conditions['ForAllValues:StringEquals']['dynamodb:LeadingKeys']]),
    ).toEqual([
      [['dynamodb:Query'], [META_PARTITION_KEYS.topic, META_PARTITION_KEYS.deletedTopic]],
      [['dynamodb:UpdateItem'], [META_PARTITION_KEYS.topic]],
      [['dynamodb:DeleteItem'], [META_PARTITION_KEYS.deletedTopic]],
    ]);
  });

  it('give no function a write it does not make to the log table', () => {
    const logActions = (grants: Granted[]) =>
      actionsOf(grants.filter((g) => g.resources.some((r) => r.includes(ids.log))));
    expect(logActions(http())).toEqual(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(logActions(poller('audit'))).toEqual([
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(logActions(sweeper())).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
  });
});

describe('the acknowledged wildcard', () => {
  it('states what the grants do (segment prefix; get/put for HTTP and pollers; delete for the sweeper only)', () => {
    const reason = sluice.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .find(([id]) => id.includes('AwsSolutions-IAM5'));
    expect(reason?.[0]).toContain(`<${ids.bucket}.Arn>/${SEGMENT_PREFIX}*`);
    expect(reason?.[1]).toMatch(/under segments\/ in this one bucket/);
    expect(reason?.[1]).toMatch(
      /get\/put for the HTTP function and the pollers, delete for the retention sweeper alone/,
    );
    // ... and each claim holds in the template:
    for (const grants of [http(), poller('billing'), poller('audit')]) {
      expect(
        actionsOf(grants.filter((g) => g.resources.some((r) => r.endsWith(`/${SEGMENT_PREFIX}*`)))),
      ).toEqual(['s3:GetObject', 's3:PutObject']);
    }
    expect(
      actionsOf(sweeper().filter((g) => g.resources.some((r) => r.endsWith(`/${SEGMENT_PREFIX}*`)))),
    ).toEqual(['s3:DeleteObject']);
    const objectResources = allFunctions()
      .flat()
      .flatMap((g) => g.resources)
      .filter((r) => r.startsWith(`<${ids.bucket}.Arn>/`));
    expect([...new Set(objectResources)]).toEqual([`<${ids.bucket}.Arn>/${SEGMENT_PREFIX}*`]);
  });
});

describe('grantReadWriteData', () => {
  it('grants what the functions may do together and nothing unused', () => {
    const role = new iam.Role(stack, 'Direct', { assumedBy: new iam.AccountRootPrincipal() });
    sluice.grantReadWriteData(role);
    const doc = stack.resolve((role.node.tryFindChild('DefaultPolicy') as iam.Policy).document);
    const actions = (doc.Statement as CfnJson[]).flatMap((s) => asArray<string>(s.Action));
    for (const action of UNUSED_ACTIONS) expect(actions).not.toContain(action);
    expect(actions).toEqual(
      expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 'dynamodb:Query']),
    );
  });
});

describe('reserved concurrency of the HTTP function', () => {
  it('is not set by default, and set only on the HTTP function by apiReservedConcurrency', () => {
    const fns = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Function')).map(
        (f) => f.Properties.ReservedConcurrentExecutions,
      );
    expect(fns(template).every((r) => r === undefined)).toBe(true);
    const { sluice: custom, template: t, stack: s } = synthSluice({ apiReservedConcurrency: 50 }, 'Reserved');
    const apiId = s.getLogicalId(custom.apiFunction.function.node.defaultChild as lambda.CfnFunction);
    expect(t.toJSON().Resources[apiId].Properties.ReservedConcurrentExecutions).toBe(50);
    expect(fns(t).filter((r) => r !== undefined)).toEqual([50]);
    expect(() => synthSluice({ apiReservedConcurrency: 0 }, 'Zero')).toThrow(/apiReservedConcurrency/);
    expect(() => synthSluice({ apiReservedConcurrency: 1.5 }, 'Half')).toThrow(/apiReservedConcurrency/);
  });
});

/** The `…Command` names each `@aws-sdk/client-*` import of a source file brings in. */
function sdkCommands(source: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g)) {
    const names = m[1]
      .split(',')
      .map((n) => n.trim())
      .filter((n) => !n.startsWith('type ') && n.endsWith('Command'))
      .map((n) => n.replace(/Command$/, ''));
    out[m[2]] = [...(out[m[2]] ?? []), ...names];
  }
  return out;
}

describe('what each bundle can send', () => {
  const entries: [SluiceDataAccess['kind'], string][] = [
    ['http', HTTP_HANDLER_ENTRY],
    ['poller', POLLER_HANDLER_ENTRY],
    ['sweeper', RETENTION_HANDLER_ENTRY],
    ['dispatcher', STREAM_DISPATCH_HANDLER_ENTRY],
  ];
  const derived = new Map<string, Record<string, string[]>>();
  beforeAll(async () => {
    for (const [kind, entry] of entries) {
      const report = await measureBundle(entry);
      const commands: Record<string, Set<string>> = { s3: new Set(), dynamodb: new Set(), lambda: new Set() };
      for (const input of report.shippedInputs.filter((i) => !i.includes('node_modules'))) {
        for (const [client, names] of Object.entries(
          sdkCommands(fs.readFileSync(path.join(REPO_ROOT, input), 'utf8')),
        )) {
          commands[client] ??= new Set();
          for (const name of names) commands[client].add(name);
        }
      }
      derived.set(kind, Object.fromEntries(Object.entries(commands).map(([c, s]) => [c, [...s].sort()])));
    }
  }, 120_000);

  it.each(entries.map(([kind]) => kind))(
    '%s: the bundle sends exactly the commands infra/data-access.ts lists',
    (kind) => {
      expect(derived.get(kind)).toEqual(BUNDLE_SDK_COMMANDS[kind]);
    },
  );

  it.each(entries.map(([kind]) => kind))(
    '%s: every granted data action serves a command the bundle can send',
    (kind) => {
      const grants =
        kind === 'http'
          ? http()
          : kind === 'sweeper'
            ? sweeper()
            : kind === 'dispatcher'
              ? dispatcher()
              : poller('audit');
      const service = { s3: 'S3', dynamodb: 'DynamoDB', lambda: 'Lambda' } as const;
      const needed = new Set(
        Object.entries(BUNDLE_SDK_COMMANDS[kind]).flatMap(([client, names]) =>
          (names as readonly string[]).flatMap(
            (n) => COMMAND_ACTIONS[`${service[client as keyof typeof service]}:${n}`] ?? [],
          ),
        ),
      );
      const granted = actionsOf(grants).filter(
        (a) => !a.startsWith('logs:') && !a.startsWith('kms:') && !MAPPING_STREAM_READS.includes(a),
      );
      expect(granted.filter((a) => !needed.has(a))).toEqual([]);
    },
  );
});
