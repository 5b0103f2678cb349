import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { SluiceExampleStack } from '../../infra/example-stack';
import { asArray, newApp, policyStatements, resourcesOf } from './support';

/**
 * Actions IAM cannot scope to a resource, which may therefore appear with `Resource: *`:
 * only the stream dispatcher's `dynamodb:ListStreams`, which its event source mapping needs.
 */
const UNSCOPABLE_ACTIONS: string[] = ['dynamodb:ListStreams'];

let stack: SluiceExampleStack;
let template: Template;

beforeAll(() => {
  stack = new SluiceExampleStack(newApp(), 'Sluice');
  template = Template.fromStack(stack);
});

/** Every acknowledgement recorded below a construct: finding id, reason, where. */
function acknowledgements(root: IConstruct): { id: string; reason: string; path: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          reason,
          path: c.node.path,
        })),
      ),
  );
}

describe('cdk-nag AWS Solutions checks on the example stack', () => {
  it('report no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    const findings = report.violations.map(
      (v) =>
        `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledge only four deliberate findings, each with a reason', () => {
    const acks = acknowledgements(stack);
    expect([...new Set(acks.map((a) => a.id))].sort()).toEqual(
      [
        // The stream dispatcher's dynamodb:ListStreams (the example group uses the default trigger, 'stream').
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::<SluiceDataBucket13F9F39A.Arn>/segments/*]',
        'AwsSolutions-L1',
        'AwsSolutions-S1',
      ].sort(),
    );
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(80);
  });
});

describe('IAM policies of the example stack', () => {
  const statements = () => policyStatements(template).filter((s) => s.statement.Effect === 'Allow');

  it('never allow the action "*" or a whole service ("svc:*")', () => {
    const wild = statements().flatMap(({ where, statement }) =>
      asArray<string>(statement.Action)
        .filter((a) => a === '*' || /^[a-z0-9-]+:\*$/.test(a))
        .map((a) => `${where}: ${a}`),
    );
    expect(wild).toEqual([]);
  });

  it('name every action in full (no wildcard patterns such as s3:Get*)', () => {
    const patterns = statements().flatMap(({ where, statement }) =>
      asArray<string>(statement.Action)
        .filter((a) => a.includes('*'))
        .map((a) => `${where}: ${a}`),
    );
    expect(patterns).toEqual([]);
  });

  it('never grant a data-plane action on Resource "*"', () => {
    const onStar = statements().flatMap(({ where, statement }) =>
      asArray<unknown>(statement.Resource).includes('*')
        ? asArray<string>(statement.Action)
            .filter((a) => !UNSCOPABLE_ACTIONS.includes(a))
            .map((a) => `${where}: ${a}`)
        : [],
    );
    expect(onStar).toEqual([]);
  });

  it('attach no AWS managed policy to any role', () => {
    for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('the example stack', () => {
  it('runs every function on Node.js 22, arm64', () => {
    const functions = Object.values(resourcesOf(template, 'AWS::Lambda::Function'));
    expect(functions).toHaveLength(5);
    for (const fn of functions)
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  it('starts the orders-app function every minute (the safety net) and the retention sweeper every five', () => {
    const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule'));
    expect(rules.map((r) => r.Properties.ScheduleExpression).sort()).toEqual([
      'rate(1 minute)',
      'rate(5 minutes)',
    ]);
  });

  it('has the twelve alarms: four functions x (errors, throttles), two tables, lag and dead letters', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 12);
    expect(stack.sluice.alarms).toHaveLength(12);
  });

  it('has one dashboard, the five Sluice outputs under their plain names, the API id and the handler log group', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        'ApiId',
        'BucketName',
        'ClusterId',
        'EndpointUrl',
        'LogTableName',
        'MetaTableName',
        'OrderHandlerLogGroup',
      ].sort(),
    );
  });

  it('is environment-agnostic with cluster id "sluice"', () => {
    expect(stack.sluice.clusterId).toBe('sluice');
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
  });

  it('consumes topic orders with the example handler and dead-letters to orders-dlq', () => {
    expect(stack.sluice.consumers.map((c) => c.config)).toEqual([
      expect.objectContaining({
        group: 'orders-app',
        topics: ['orders'],
        retryAttempts: 3,
        bisectOnError: true,
        onFailureTopic: 'orders-dlq',
        // The example keeps the default trigger.
        trigger: 'stream',
      }),
    ]);
    expect(stack.orderHandler.entry).toMatch(/functions\/examples\/order-handler\.ts$/);
  });
});
