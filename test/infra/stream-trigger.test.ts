import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Sluice, type SluiceConsumerGroup } from '../../infra';
import { POLLER_MEMORY_MB, STREAM_FUNCTION_MEMORY_MB } from '../../infra/consumer-group';
import { STREAM_DISPATCHER_MEMORY_MB } from '../../infra/stream-dispatcher';
import { SEQUENCER_SORT_KEY } from '../../shared/storage/schema';
import { type CfnJson, newApp, resourcesOf } from './support';

describe("addConsumer with trigger: 'stream'", () => {
  let stack: Stack;
  let sluice: Sluice;
  let streamed: SluiceConsumerGroup;
  let streamedToo: SluiceConsumerGroup[];
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
      maxBatchingWindow: Duration.seconds(5),
    }) as SluiceConsumerGroup;
    polled = sluice.addConsumer('audit', {
      topics: ['orders'],
      handler,
      trigger: 'poller',
    }) as SluiceConsumerGroup;
    // Three stream groups: a mapping each would be more readers than a stream shard allows.
    streamedToo = [
      sluice.addConsumer('ledger', {
        topics: ['orders', 'refunds'],
        handler,
        trigger: 'stream',
        maxBatchingWindow: Duration.seconds(2),
      }) as SluiceConsumerGroup,
      sluice.addConsumer('search', {
        topics: ['orders'],
        handler,
        trigger: 'stream',
        maxBatchingWindow: Duration.seconds(3),
      }) as SluiceConsumerGroup,
    ];
    template = Template.fromStack(stack);
  });

  const idOf = (fn: lambda.IFunction) =>
    stack.resolve((fn.node.defaultChild as lambda.CfnFunction).logicalId);
  const logTableId = () => stack.resolve((sluice.logTable.node.defaultChild as CfnJson).logicalId);
  const dispatcher = () => {
    const found = sluice.streamDispatcher;
    if (!found) throw new Error('no stream dispatcher');
    return found.dispatcherFunction;
  };
  const statementsOf = (role: iam.IRole) => {
    const roleId = stack.resolve((role.node.defaultChild as CfnJson).logicalId);
    return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, CfnJson>[]);
  };

  it('gives the log table a KEYS_ONLY stream', () => {
    const table = template.toJSON().Resources[logTableId()];
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'KEYS_ONLY' });
  });

  it('maps the stream once, onto the dispatcher, for every stream group: new slots only, from the latest record, bounded retries, the smallest window', () => {
    const mappings = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    expect(mappings[0].Properties).toMatchObject({
      FunctionName: { Ref: idOf(dispatcher().function) },
      EventSourceArn: { 'Fn::GetAtt': [logTableId(), 'StreamArn'] },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
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

  it('tells the dispatcher each stream group, its topics and its function, and runs it small', () => {
    const fn = template.toJSON().Resources[idOf(dispatcher().function)];
    expect(fn.Properties.MemorySize).toBe(STREAM_DISPATCHER_MEMORY_MB);
    const groups = stack.resolve(fn.Properties.Environment.Variables.SLUICE_STREAM_GROUPS);
    const text = JSON.stringify(groups);
    for (const [group, consumer] of [
      ['billing', streamed],
      ['ledger', streamedToo[0]],
      ['search', streamedToo[1]],
    ] as const) {
      expect(text).toContain(`\\"group\\":\\"${group}\\"`);
      expect(text).toContain(JSON.stringify({ Ref: idOf(consumer.poller) }));
    }
    expect(text).not.toContain('audit');
    expect(text).toContain('refunds');
  });

  it("lets the dispatcher invoke the stream groups' functions only, and read the stream", () => {
    const statements = statementsOf(dispatcher().role);
    const invoked = statements
      .filter((s) => ([] as string[]).concat(s.Action).includes('lambda:InvokeFunction'))
      .flatMap((s) => ([] as CfnJson[]).concat(s.Resource));
    const arn = (c: SluiceConsumerGroup) => ({ 'Fn::GetAtt': [idOf(c.poller), 'Arn'] });
    expect(invoked).toEqual(expect.arrayContaining([streamed, ...streamedToo].map(arn)));
    expect(JSON.stringify(invoked)).not.toContain(JSON.stringify(idOf(polled.poller)));
    expect(JSON.stringify(invoked)).not.toContain('existing-handler');
    const actions = statements.flatMap((s) => ([] as string[]).concat(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:GetShardIterator']));
    // Topic lookups only: no log, segment or group access.
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(actions.filter((a) => /dynamodb:(PutItem|UpdateItem|DeleteItem|Query)$/.test(a))).toEqual([]);
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

  it("grants stream reads to the dispatcher only: the groups' functions have no mapping and no stream reads", () => {
    const readers = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((p) =>
        (p.Properties.PolicyDocument.Statement as Record<string, CfnJson>[]).some((s) =>
          ([] as string[]).concat(s.Action).includes('dynamodb:GetRecords'),
        ),
      )
      .map((p) => JSON.stringify(p.Properties.Roles));
    const dispatcherRole = stack.resolve((dispatcher().role.node.defaultChild as CfnJson).logicalId);
    expect(readers).toEqual([JSON.stringify([{ Ref: dispatcherRole }])]);
    for (const group of [streamed, ...streamedToo, polled]) {
      const actions = statementsOf(group.pollerFunction.role).flatMap((s) =>
        ([] as string[]).concat(s.Action),
      );
      expect(actions.filter((a) => a.startsWith('dynamodb:') && /Stream|GetRecords/.test(a))).toEqual([]);
    }
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
