import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Sluice, type SluiceConsumerGroup } from '../../infra';
import { POLLER_MEMORY_MB, STREAM_FUNCTION_MEMORY_MB } from '../../infra/consumer-group';
import { SEQUENCER_SORT_KEY } from '../../shared/storage/schema';
import { type CfnJson, newApp, resourcesOf } from './support';

describe("addConsumer with trigger: 'stream'", () => {
  let stack: Stack;
  let sluice: Sluice;
  let streamed: SluiceConsumerGroup;
  let polled: SluiceConsumerGroup;
  let template: Template;

  beforeAll(() => {
    stack = new Stack(newApp(), 'Streamed');
    sluice = new Sluice(stack, 'Sluice');
    const handler = lambda.Function.fromFunctionName(stack, 'Handler', 'existing-handler');
    streamed = sluice.addConsumer('billing', {
      topics: ['orders'],
      handler,
      trigger: 'stream',
    }) as SluiceConsumerGroup;
    polled = sluice.addConsumer('audit', { topics: ['orders'], handler }) as SluiceConsumerGroup;
    template = Template.fromStack(stack);
  });

  const idOf = (fn: lambda.IFunction) =>
    stack.resolve((fn.node.defaultChild as lambda.CfnFunction).logicalId);
  const logTableId = () => stack.resolve((sluice.logTable.node.defaultChild as CfnJson).logicalId);

  it('gives the log table a KEYS_ONLY stream', () => {
    const table = template.toJSON().Resources[logTableId()];
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'KEYS_ONLY' });
  });

  it('maps the stream onto the group function: new slots only, from the latest record, bounded retries', () => {
    const mappings = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    expect(mappings[0].Properties).toMatchObject({
      FunctionName: { Ref: idOf(streamed.poller) },
      EventSourceArn: { 'Fn::GetAtt': [logTableId(), 'StreamArn'] },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
      MaximumRetryAttempts: 2,
      BisectBatchOnFunctionError: false,
    });
    const patterns = mappings[0].Properties.FilterCriteria.Filters.map((f: { Pattern: string }) =>
      JSON.parse(f.Pattern),
    );
    expect(patterns).toEqual([
      {
        eventName: ['INSERT'],
        dynamodb: { Keys: { sk: { N: [{ 'anything-but': [String(SEQUENCER_SORT_KEY)] }] } } },
      },
    ]);
  });

  it('right-sizes the stream function, keeps the schedule as the safety net, and wakes only polling groups', () => {
    const resources = template.toJSON().Resources;
    expect(resources[idOf(streamed.poller)].Properties.MemorySize).toBe(STREAM_FUNCTION_MEMORY_MB);
    expect(resources[idOf(polled.poller)].Properties.MemorySize).toBe(POLLER_MEMORY_MB);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [idOf(streamed.poller), 'Arn'] } })]),
    });
    const api = resources[idOf(sluice.apiFunction.function)];
    const wake = JSON.stringify(api.Properties.Environment.Variables.SLUICE_WAKE_TARGETS);
    expect(wake).toContain('audit');
    expect(wake).not.toContain('billing');
    expect(
      JSON.parse(
        resources[idOf(streamed.poller)].Properties.Environment.Variables.SLUICE_CONSUMER_CONFIG[
          'Fn::Join'
        ][1]
          .filter((p: unknown) => typeof p === 'string')
          .join('x'),
      ).trigger,
    ).toBe('stream');
  });

  it('grants stream reads to the stream-triggered function only', () => {
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Record<string, CfnJson>[]).map((s) => ({
        roles: JSON.stringify(p.Properties.Roles),
        actions: ([] as string[]).concat(s.Action),
      })),
    );
    const streamReaders = statements.filter((s) => s.actions.includes('dynamodb:GetRecords'));
    expect(streamReaders.length).toBeGreaterThan(0);
    const streamedRole = stack.resolve((streamed.pollerFunction.role.node.defaultChild as CfnJson).logicalId);
    for (const s of streamReaders) expect(s.roles).toContain(streamedRole);
  });

  it('passes the cdk-nag AWS Solutions checks', () => {
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('refuses an unknown trigger', () => {
    const handler = lambda.Function.fromFunctionName(stack, 'Other', 'other');
    expect(() =>
      sluice.addConsumer('x', { topics: ['orders'], handler, trigger: 'kinesis' as never }),
    ).toThrow(/trigger must be one of poller, stream/);
  });
});
