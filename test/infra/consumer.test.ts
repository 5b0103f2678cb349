import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ASSUMPTIONS } from '../../bench/cost';
import { resolveConsumerOptions, Sluice, type SluiceConsumer, type SluiceConsumerOptions } from '../../infra';
import { POLLER_MEMORY_MB, STREAM_FUNCTION_MEMORY_MB } from '../../infra/consumer-group';
import { STREAM_DISPATCHER_MEMORY_MB } from '../../infra/stream-dispatcher';
import { type CfnJson, dashboardWidgets, newApp, resourcesOf } from './support';

/**
 * Renders a CloudFormation string (an Fn::Join of literals and references) as text, each
 * reference written `<Ref:Id>` or `<Id.Attr>`; references sit inside JSON strings.
 */
function render(value: unknown): string {
  const token = (p: CfnJson) =>
    p.Ref ? `<Ref:${p.Ref}>` : p['Fn::GetAtt'] ? `<${p['Fn::GetAtt'].join('.')}>` : '<?>';
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return join ? join[1].map((p) => (typeof p === 'string' ? p : token(p))).join('') : token(value);
}

describe('consumer options', () => {
  const handler = { functionName: 'fn' } as lambda.IFunction;
  const base: SluiceConsumerOptions = { topics: ['orders'], handler };
  const bad =
    (opts: Partial<SluiceConsumerOptions>, group = 'g') =>
    () =>
      resolveConsumerOptions(group, { ...base, ...opts } as SluiceConsumerOptions);

  it('fills in the Lambda-like defaults', () => {
    expect(resolveConsumerOptions('g', base)).toEqual({
      group: 'g',
      topics: ['orders'],
      functionName: 'fn',
      batchSize: 100,
      maxBatchingWindowMs: 500,
      startingPosition: 'TRIM_HORIZON',
      startingPositionTimestamp: null,
      retryAttempts: -1,
      bisectOnError: false,
      onFailureTopic: null,
      trigger: 'stream',
    });
  });

  it('keeps every option given', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    expect(
      resolveConsumerOptions('g', {
        ...base,
        batchSize: 10_000,
        maxBatchingWindow: Duration.seconds(300),
        startingPosition: 'AT_TIMESTAMP',
        startingPositionTimestamp: at,
        retryAttempts: 3,
        bisectOnError: true,
        onFailure: 'orders-dlq',
      }),
    ).toMatchObject({
      batchSize: 10_000,
      maxBatchingWindowMs: 300_000,
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: at.getTime(),
      retryAttempts: 3,
      bisectOnError: true,
      onFailureTopic: 'orders-dlq',
    });
  });

  it.each([
    ['batchSize', { batchSize: 0 }],
    ['batchSize', { batchSize: 10_001 }],
    ['batchSize', { batchSize: 1.5 }],
    ['maxBatchingWindow', { maxBatchingWindow: Duration.seconds(301) }],
    ['startingPosition', { startingPosition: 'EARLIEST' as never }],
    ['startingPositionTimestamp', { startingPosition: 'AT_TIMESTAMP' as const }],
    ['startingPositionTimestamp', { startingPositionTimestamp: new Date() }],
    ['retryAttempts', { retryAttempts: -2 }],
    ['retryAttempts', { retryAttempts: 10_001 }],
    ['onFailure', { onFailure: 'orders' }],
    ['onFailure', { onFailure: 'bad topic' }],
    ['topics', { topics: [] }],
    ['topics[1]', { topics: ['orders', '..'] }],
    ['topics', { topics: ['orders', 'orders'] }],
    ['handler', { handler: undefined }],
  ])('rejects a bad %s with a message naming it', (option, opts) => {
    expect(bad(opts)).toThrow(new RegExp(`addConsumer\\('g'\\): ${option.replace(/[[\]]/g, '\\$&')}`));
  });

  it('rejects a group id outside [a-zA-Z0-9._-]', () => {
    expect(bad({}, 'my group')).toThrow(/addConsumer: group "my group" is invalid/);
    expect(bad({}, '')).toThrow(/group "" is invalid/);
  });
});

describe('addConsumer', () => {
  let template: Template;
  let sluice: Sluice;
  let consumer: SluiceConsumer;
  let stack: Stack;

  beforeAll(() => {
    stack = new Stack(newApp(), 'Shop');
    sluice = new Sluice(stack, 'Sluice', { lagAlarmThreshold: 5000 });
    const handler = new lambda.Function(stack, 'Handler', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    });
    consumer = sluice.addConsumer('billing', {
      topics: ['orders', 'refunds'],
      handler,
      batchSize: 250,
      maxBatchingWindow: Duration.seconds(2),
      retryAttempts: 3,
      bisectOnError: true,
      onFailure: 'billing-dlq',
      // These tests are about the poller: its memory, environment, wake targets and alarms.
      trigger: 'poller',
    });
    template = Template.fromStack(stack);
  });

  const pollerId = () =>
    stack.resolve((consumer.poller.node.defaultChild as lambda.CfnFunction).logicalId) as string;

  it('creates an arm64 Node.js 22 poller with a 5 minute timeout that Lambda does not retry', () => {
    const poller = template.toJSON().Resources[pollerId()];
    expect(poller.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 300,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: pollerId() },
      MaximumRetryAttempts: 0,
    });
  });

  it('runs the poller at 512 MB unless pollerMemorySize says otherwise, as the cost model prices it', () => {
    expect(template.toJSON().Resources[pollerId()].Properties.MemorySize).toBe(512);
    expect(ASSUMPTIONS.pollerMemoryMb).toBe(POLLER_MEMORY_MB);
    expect(ASSUMPTIONS.streamFunctionMemoryMb).toBe(STREAM_FUNCTION_MEMORY_MB);
    expect(ASSUMPTIONS.streamDispatcherMemoryMb).toBe(STREAM_DISPATCHER_MEMORY_MB);
    const other = new Stack(newApp(), 'Bigger');
    const bigger = new Sluice(other, 'Sluice', { pollerMemorySize: 1536 });
    const handler = lambda.Function.fromFunctionName(other, 'Handler', 'existing-handler');
    const group = bigger.addConsumer('audit', { topics: ['orders'], handler, trigger: 'poller' });
    const id = other.resolve((group.poller.node.defaultChild as lambda.CfnFunction).logicalId);
    expect(Template.fromStack(other).toJSON().Resources[id].Properties.MemorySize).toBe(1536);
  });

  it('gives the poller its configuration as JSON in SLUICE_CONSUMER_CONFIG, beside the SLUICE_* variables', () => {
    const env = template.toJSON().Resources[pollerId()].Properties.Environment.Variables;
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'SLUICE_CLUSTER_ID',
        'SLUICE_BUCKET',
        'SLUICE_LOG_TABLE',
        'SLUICE_META_TABLE',
        'SLUICE_MAX_REQUEST_BYTES',
        'SLUICE_CONSUMER_CONFIG',
      ]),
    );
    const config = JSON.parse(render(env.SLUICE_CONSUMER_CONFIG));
    expect(config).toEqual({
      group: 'billing',
      topics: ['orders', 'refunds'],
      functionName: expect.stringMatching(/^<Ref:Handler/),
      batchSize: 250,
      maxBatchingWindowMs: 2000,
      startingPosition: 'TRIM_HORIZON',
      startingPositionTimestamp: null,
      retryAttempts: 3,
      bisectOnError: true,
      onFailureTopic: 'billing-dlq',
      trigger: 'poller',
    });
  });

  it('starts the poller every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [pollerId(), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [pollerId(), 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('lets the poller invoke the handler, and the HTTP function wake the poller', () => {
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Record<string, CfnJson>[],
    );
    const invokes = statements.filter((s) => s.Action === 'lambda:InvokeFunction').map((s) => s.Resource);
    expect(invokes).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [expect.stringMatching(/^Handler/), 'Arn'] },
        { 'Fn::GetAtt': [pollerId(), 'Arn'] },
      ]),
    );
  });

  it('tells the HTTP function which poller to wake for which topics (SLUICE_WAKE_TARGETS)', () => {
    const api =
      template.toJSON().Resources[
        stack.resolve((sluice.apiFunction.function.node.defaultChild as lambda.CfnFunction).logicalId)
      ];
    const targets = JSON.parse(render(api.Properties.Environment.Variables.SLUICE_WAKE_TARGETS));
    expect(targets).toEqual([
      { group: 'billing', topics: ['orders', 'refunds'], functionName: `<Ref:${pollerId()}>` },
    ]);
  });

  it('alarms on the group lag above lagAlarmThreshold and on any dead-lettered record', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Sluice',
      MetricName: 'ConsumerLag',
      Statistic: 'Maximum',
      Dimensions: Match.arrayWith([{ Name: 'ConsumerGroup', Value: 'billing' }]),
      Threshold: 5000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Sluice',
      MetricName: 'DeadLetteredRecords',
      Statistic: 'Sum',
      Dimensions: Match.arrayWith([{ Name: 'ClusterId', Value: 'shop' }]),
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: pollerId() } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: pollerId() } }],
    });
    expect(sluice.alarms).toHaveLength(10);
  });

  it('adds the group to the lag and dead-letter graphs of the dashboard', () => {
    const widgets = dashboardWidgets(template);
    const lag = widgets.find((w) => /^Consumer lag/.test(w.properties.title));
    expect(lag?.properties.metrics).toEqual([
      [
        'Sluice',
        'ConsumerLag',
        'ClusterId',
        'shop',
        'ConsumerGroup',
        'billing',
        expect.objectContaining({ label: 'billing' }),
      ],
    ]);
  });

  it('refuses the same group twice', () => {
    expect(() => sluice.addConsumer('billing', { topics: ['orders'], handler: consumer.poller })).toThrow(
      /addConsumer\('billing'\): the group already exists/,
    );
  });

  it('refuses more groups than SLUICE_WAKE_TARGETS can hold in the 4 KB environment', () => {
    const s = new Stack(newApp(), 'Many');
    const sl = new Sluice(s, 'Sluice');
    const handler = lambda.Function.fromFunctionName(s, 'Handler', 'existing-handler');
    const topic = (i: number) => `${'t'.repeat(200)}${i}`;
    expect(() => {
      for (let i = 0; i < 20; i++) sl.addConsumer(`g${i}`, { topics: [topic(i)], handler });
    }).toThrow(/too many consumer groups on one Sluice construct: SLUICE_WAKE_TARGETS/);
    expect(sl.consumers.length).toBeGreaterThan(5);
  });

  it('warns that onFailure is never used while retryAttempts is -1', () => {
    const s = new Stack(newApp(), 'Warn');
    const sl = new Sluice(s, 'Sluice');
    const handler = lambda.Function.fromFunctionName(s, 'Handler', 'existing-handler');
    sl.addConsumer('g', { topics: ['t'], handler, onFailure: 'dlq' });
    Annotations.fromStack(s).hasWarning(
      '/Warn/Sluice',
      Match.stringLikeRegexp('onFailure is set but retryAttempts is -1'),
    );
  });
});
