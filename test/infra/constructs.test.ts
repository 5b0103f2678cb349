import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { Sluice, SluiceBase, SluiceConsumerGroup, SluiceMonitoring } from '../../infra';
import { SluiceExampleStack } from '../../infra/example-stack';
import { type CfnJson, dashboardWidgets, newApp, resourcesOf } from './support';

/** A stack with one cluster and an existing handler function to consume with. */
function cluster(name: string, props: ConstructorParameters<typeof Sluice>[2] = {}) {
  const stack = new Stack(newApp(), name);
  const sluice = new Sluice(stack, 'Sluice', props);
  const handler = lambda.Function.fromFunctionName(stack, 'Handler', 'existing-handler');
  return { stack, sluice, handler };
}

describe('SluiceConsumerGroup', () => {
  it('is what addConsumer returns, at Consumer-<group> under the cluster, owning its poller, schedule and alarms', () => {
    const { sluice, handler } = cluster('Owner');
    const billing = sluice.addConsumer('billing', { topics: ['orders'], handler });
    expect(billing).toBeInstanceOf(SluiceConsumerGroup);
    expect(billing.node.path).toBe('Owner/Sluice/Consumer-billing');
    expect(sluice.consumers).toEqual([billing]);
    for (const part of [billing.poller, billing.schedule, ...billing.alarms]) {
      expect(part.node.path.startsWith(`${billing.node.path}/`)).toBe(true);
    }
    expect(billing.alarms).toEqual([
      billing.errorsAlarm,
      billing.throttlesAlarm,
      billing.lagAlarm,
      billing.deadLetterAlarm,
    ]);
    expect(sluice.alarms).toEqual(expect.arrayContaining(billing.alarms));
  });

  it('has metrics of its own: lag and dead letters with its ConsumerGroup dimension, poller errors and throttles', () => {
    const { stack, sluice, handler } = cluster('Metrics', { clusterId: 'prod' });
    const billing = sluice.addConsumer('billing', { topics: ['orders'], handler });
    expect(billing.metricLag()).toMatchObject({
      namespace: 'Sluice',
      metricName: 'ConsumerLag',
      statistic: 'Maximum',
      dimensions: { ClusterId: 'prod', ConsumerGroup: 'billing' },
    });
    expect(billing.metricDeadLetteredRecords()).toMatchObject({
      metricName: 'DeadLetteredRecords',
      statistic: 'Sum',
      dimensions: { ClusterId: 'prod', ConsumerGroup: 'billing' },
    });
    const pollerName = stack.resolve(billing.poller.functionName);
    expect(stack.resolve(billing.metricErrors().dimensions)).toEqual({ FunctionName: pollerName });
    expect(billing.metricErrors()).toMatchObject({ namespace: 'AWS/Lambda', metricName: 'Errors' });
    expect(billing.metricThrottles()).toMatchObject({ namespace: 'AWS/Lambda', metricName: 'Throttles' });
  });

  it('wires itself into the cluster when created directly in another scope', () => {
    const { stack, sluice, handler } = cluster('Direct');
    const team = new Construct(stack, 'Team');
    const group = new SluiceConsumerGroup(team, 'Billing', {
      sluice,
      group: 'billing',
      topics: ['orders'],
      handler,
      // A polling group: the wiring checked below is the HTTP function's wake targets.
      trigger: 'poller',
    });
    expect(sluice.consumers).toEqual([group]);
    expect(sluice.alarms).toHaveLength(6 + 4);
    const template = Template.fromStack(stack);
    const api =
      template.toJSON().Resources[
        stack.resolve((sluice.apiFunction.function.node.defaultChild as lambda.CfnFunction).logicalId)
      ];
    expect(JSON.stringify(api.Properties.Environment.Variables.SLUICE_WAKE_TARGETS)).toContain('billing');
    const lag = dashboardWidgets(template).find((w) => /^Consumer lag/.test(w.properties.title));
    expect(lag?.properties.metrics).toHaveLength(1);
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('leaves nothing behind when the cluster refuses it', () => {
    const { stack, sluice, handler } = cluster('Refused');
    sluice.addConsumer('billing', { topics: ['orders'], handler });
    expect(
      () =>
        new SluiceConsumerGroup(stack, 'Again', { sluice, group: 'billing', topics: ['orders'], handler }),
    ).toThrow(/addConsumer\('billing'\): the group already exists/);
    expect(stack.node.tryFindChild('Again')).toBeUndefined();
    expect(() => sluice.addConsumer('bad group', { topics: ['orders'], handler })).toThrow(/is invalid/);
    expect(sluice.node.children.map((c) => c.node.id)).not.toContain('Consumer-bad group');
  });
});

describe('SluiceMonitoring', () => {
  it('is the cluster monitoring construct, holding the dashboard and the backbone alarms', () => {
    const { sluice } = cluster('Monitor');
    expect(sluice.monitoring).toBeInstanceOf(SluiceMonitoring);
    expect(sluice.dashboard).toBe(sluice.monitoring.dashboard);
    expect(sluice.alarms).toBe(sluice.monitoring.alarms);
    const own = sluice.monitoring.node.children.filter((c) => sluice.alarms.includes(c as never));
    expect(own.map((c) => c.node.id).sort()).toEqual(
      [
        'ApiFunctionErrorsAlarm',
        'ApiFunctionThrottlesAlarm',
        'LogTableThrottlesAlarm',
        'MetaTableThrottlesAlarm',
      ].sort(),
    );
  });

  it('monitors another function: alarms in the scope given, a dashboard row, the alarm topic notified', () => {
    const stack = new Stack(newApp(), 'Extra');
    const pager = new sns.Topic(stack, 'Pager', { enforceSSL: true });
    const sluice = new Sluice(stack, 'Sluice', { alarmTopic: pager });
    const worker = new lambda.Function(stack, 'Worker', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    const { errors, throttles } = sluice.monitoring.monitorFunction(worker, worker, 'Worker');
    expect(errors.node.scope).toBe(worker);
    expect(sluice.alarms).toEqual(expect.arrayContaining([errors, throttles]));
    const template = Template.fromStack(stack);
    expect(dashboardWidgets(template).map((w) => w.properties.title)).toContain(
      'Worker: invocations, errors, throttles',
    );
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(sluice.alarms.length);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
    }
  });
});

describe('SluiceBase', () => {
  it('carries the grants and metrics of the cluster', () => {
    const { sluice } = cluster('Base');
    expect(sluice).toBeInstanceOf(SluiceBase);
    expect(sluice.metricConsumerLag('g')).toMatchObject({
      dimensions: { ClusterId: 'base', ConsumerGroup: 'g' },
    });
  });
});

describe('logical ids', () => {
  // Changing a logical id replaces the deployed resource: the tables and the bucket are
  // retained, so a replacement would orphan them and start empty ones; a dashboard with a
  // fixed name would be deleted. These are the ids the construct synthesized before it was split
  // into parts (cluster, monitoring, consumer groups).
  it('of the example stack stay those already deployed (routes aside)', () => {
    const template = Template.fromStack(new SluiceExampleStack(newApp(), 'Sluice'));
    const ids = Object.entries(template.toJSON().Resources as Record<string, CfnJson>)
      .filter(([, r]) => r.Type !== 'AWS::ApiGatewayV2::Route')
      .map(([id]) => id)
      .sort();
    expect(ids).toEqual(
      [
        'SluiceDataBucket13F9F39A',
        'SluiceDataBucketPolicy4725CF9D',
        'SluiceLogTable43F112EE',
        'SluiceMetaTableF5E20250',
        'SluiceApiFunctionLogsF136BC7C',
        'SluiceApiFunctionRole4EAC7D86',
        'SluiceApiFunctionRoleDefaultPolicyE0ED9627',
        'SluiceApiFunction9B06A615',
        'SluiceAccessLogs4667B06F',
        'SluiceHttpApi4364C1A6',
        'SluiceHttpApiGETv3clustersApiIntegration0EA3744A',
        'SluiceHttpApiGETv3clustersApiPermissionApiScopedSluiceApiFunctionFD952A95SluiceHttpApi3A1D29884056FFF3',
        'SluiceDefaultStage26B7CF3F',
        'SluiceDashboard99285C89',
        'SluiceApiFunctionErrorsAlarm567D253F',
        'SluiceApiFunctionThrottlesAlarmBECD5B47',
        'SluiceLogTableThrottlesAlarm76AAFE7F',
        'SluiceMetaTableThrottlesAlarm9DE560AC',
        'SluiceRetentionLogsF8AE80A5',
        'SluiceRetentionRoleA3E7EDF8',
        'SluiceRetentionRoleDefaultPolicy99EB5AB7',
        'SluiceRetentionFunctionEB51CA76',
        'SluiceRetentionFunctionEventInvokeConfig98653207',
        'SluiceRetentionSchedule7E3768C6',
        'SluiceRetentionScheduleAllowEventRuleSluiceRetentionFunctionEF5F5A9F9DE1CF07',
        'SluiceRetentionRetentionErrorsAlarm487F9206',
        'SluiceRetentionRetentionThrottlesAlarm89DE76DD',
        'SluiceConsumerordersappPollerLogs5B9018A1',
        'SluiceConsumerordersappPollerRole393D68D1',
        'SluiceConsumerordersappPollerRoleDefaultPolicy804FBBAD',
        'SluiceConsumerordersappPollerFunction923F5321',
        'SluiceConsumerordersappPollerFunctionEventInvokeConfigF17F8D99',
        'SluiceConsumerordersappScheduleBFB01B00',
        'SluiceConsumerordersappScheduleAllowEventRuleSluiceConsumerordersappPollerFunctionEAF61896C69DFCF4',
        'SluiceConsumerordersappConsumerordersappPollerErrorsAlarm99921AA4',
        'SluiceConsumerordersappConsumerordersappPollerThrottlesAlarmCB2605F0',
        'SluiceConsumerordersappLagAlarm6CAA81A0',
        'SluiceConsumerordersappDeadLetterAlarmE06CD7DA',
        'OrderHandlerLogsF7EEF5F0',
        'OrderHandlerRoleD4E96D32',
        'OrderHandlerRoleDefaultPolicy205F7610',
        'OrderHandlerFunction498D852A',
        // Added when trigger 'stream' became the default: the cluster's one stream reader.
        // The group's function above keeps its id (it becomes the group's stream function).
        'SluiceStreamDispatcherFunctionRole14C771F8',
        'SluiceStreamDispatcherFunctionRoleDefaultPolicyB3F9E37A',
        'SluiceStreamDispatcherFunctionLogsE0B91070',
        'SluiceStreamDispatcherFunction163FEEC3',
        'SluiceStreamDispatcherFunctionEventInvokeConfig2E64DF6B',
        'SluiceStreamDispatcherFunctionLogStreamE3D71218',
        'SluiceStreamDispatcherStreamDispatcherErrorsAlarmFEE365A5',
        'SluiceStreamDispatcherStreamDispatcherThrottlesAlarm98F8EAFD',
      ].sort(),
    );
  });
});
