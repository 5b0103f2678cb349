/**
 * `endpoint: 'function-url'`: the HTTP function behind a Lambda function URL (AWS_IAM) instead
 * of an API Gateway HTTP API — what the template holds, what the grants give, what is
 * graphed and alarmed, and that cdk-nag stays clean. The default (`'http-api'`) is covered by
 * sluice.test.ts and grants.test.ts; the last block checks that it did not change.
 */
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Sluice, type SluiceProps } from '../../infra';
import { asArray, type CfnJson, dashboardWidgets, newApp, resourcesOf } from './support';

function build(props: SluiceProps = {}) {
  const stack = new Stack(newApp(), 'Shop');
  const sluice = new Sluice(stack, 'Sluice', { clusterId: 'prod', endpoint: 'function-url', ...props });
  const role = new iam.Role(stack, 'Client', { assumedBy: new iam.AccountRootPrincipal() });
  return { stack, sluice, role };
}

/** The statements of the client role's policy. */
function clientStatements(stack: Stack): Record<string, CfnJson>[] {
  const template = Template.fromStack(stack);
  const policy = Object.entries(resourcesOf(template, 'AWS::IAM::Policy')).find(([id]) =>
    id.startsWith('ClientDefaultPolicy'),
  );
  if (!policy) throw new Error('no policy on the client role');
  return policy[1].Properties.PolicyDocument.Statement;
}

const apiFunctionArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^SluiceApiFunction'), 'Arn'] };

describe("endpoint: 'function-url'", () => {
  it('puts an AWS_IAM function URL on the HTTP function and builds no API Gateway', () => {
    const { stack, sluice } = build();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: apiFunctionArn,
    });
    for (const type of [
      'AWS::ApiGatewayV2::Api',
      'AWS::ApiGatewayV2::Stage',
      'AWS::ApiGatewayV2::Route',
      'AWS::ApiGatewayV2::Integration',
    ]) {
      template.resourceCountIs(type, 0);
    }
    // Nothing but the function's own log group and the sweeper's: no access log group.
    expect(Object.keys(resourcesOf(template, 'AWS::Logs::LogGroup')).sort()).toEqual([
      expect.stringMatching(/^SluiceApiFunctionLogs/),
      expect.stringMatching(/^SluiceRetentionLogs/),
    ]);
    expect(sluice.endpoint).toBe('function-url');
    expect(sluice.functionUrl).toBeInstanceOf(lambda.FunctionUrl);
  });

  it('names the URL in the same EndpointUrl output; pollers, which it wakes, do not get it', () => {
    const { stack, sluice } = build();
    const handler = new lambda.Function(stack, 'Handler', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    sluice.addConsumer('billing', { topics: ['orders'], handler });
    // Synthesizing validates the template: the URL in a poller's environment would close the
    // cycle HTTP function → poller (wake target) → URL → HTTP function.
    const template = Template.fromStack(stack);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    const endpoint = Object.entries(outputs).find(([k]) => k.startsWith('SluiceEndpointUrl'))?.[1];
    expect(endpoint?.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^SluiceApiFunctionFunctionUrl/), 'FunctionUrl'],
    });
    expect(endpoint?.Description).toContain('service lambda');
    expect(stack.resolve(sluice.endpointUrl)).toEqual(endpoint?.Value);
    const poller = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).find((f) =>
      /poller of consumer group billing/.test(f.Properties.Description),
    );
    expect(poller?.Properties.Environment.Variables.SLUICE_CONSUMER_CONFIG).toBeDefined();
    expect(poller?.Properties.Environment.Variables.SLUICE_ENDPOINT_URL).toBeUndefined();
  });

  it.each([
    ['grantProduce', (s: Sluice, r: iam.Role) => s.grantProduce(r, ['orders'])],
    [
      'grantConsume',
      (s: Sluice, r: iam.Role) => s.grantConsume(r, { topics: ['orders'], groups: ['billing'] }),
    ],
    ['grantAdmin', (s: Sluice, r: iam.Role) => s.grantAdmin(r)],
  ])(
    '%s gives lambda:InvokeFunctionUrl (AWS_IAM) and InvokeFunction through the URL only',
    (_name, grant) => {
      const { stack, sluice, role } = build();
      grant(sluice, role);
      const statements = clientStatements(stack);
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunctionUrl',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SluiceApiFunction/), 'Arn'] },
          Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
        },
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SluiceApiFunction/), 'Arn'] },
          Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } },
        },
      ]);
      expect(JSON.stringify(statements)).not.toContain('execute-api');
    },
  );

  it('warns that a grant naming topics or groups still gives the whole endpoint', () => {
    const { stack, sluice, role } = build();
    sluice.grantProduce(role, ['orders']);
    Annotations.fromStack(stack).hasWarning(
      '/Shop/Sluice',
      Match.stringLikeRegexp('IAM authorizes a function URL as a whole'),
    );
    const admin = build();
    admin.sluice.grantAdmin(admin.role);
    expect(
      Annotations.fromStack(admin.stack).findWarning('*', Match.stringLikeRegexp('function URL as a whole')),
    ).toEqual([]);
  });

  it('graphs the function URL requests, errors and latency and keeps the function alarms', () => {
    const { stack, sluice } = build();
    const template = Template.fromStack(stack);
    const titles = dashboardWidgets(template).map((w) => w.properties.title);
    expect(titles).toContain('Function URL requests, errors and latency');
    expect(titles).not.toContain('HTTP API requests and errors');
    const graph = dashboardWidgets(template).find((w) => /^Function URL/.test(w.properties.title));
    const metricNames = ((graph?.properties.metrics ?? []) as CfnJson[][]).map((m) =>
      m.slice(0, 2).join(' '),
    );
    expect(metricNames).toEqual(
      expect.arrayContaining([
        'AWS/Lambda UrlRequestCount',
        'AWS/Lambda Url4xxCount',
        'AWS/Lambda Url5xxCount',
        'AWS/Lambda UrlRequestLatency',
        'AWS/Lambda Duration',
      ]),
    );
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(
      (a) => `${a.Properties.Namespace} ${a.Properties.MetricName}`,
    );
    expect(alarms).toEqual(expect.arrayContaining(['AWS/Lambda Errors', 'AWS/Lambda Throttles']));
    expect(sluice.alarms.length).toBe(6);
  });

  it('has no httpApi, stage or access log group, and says which endpoint to use instead', () => {
    const { sluice } = build();
    expect(() => sluice.httpApi).toThrow(/httpApi exists only with endpoint 'http-api'.*functionUrl/);
    expect(() => sluice.stage).toThrow(/stage exists only with endpoint 'http-api'/);
    expect(() => sluice.accessLogGroup).toThrow(/accessLogGroup exists only with endpoint 'http-api'/);
  });

  it('refuses the stage throttling props and an unknown endpoint, naming the prop', () => {
    expect(() => build({ throttlingRateLimit: 10 })).toThrow(/throttlingRateLimit.*apiReservedConcurrency/);
    expect(() => build({ endpoint: 'rest-api' as never })).toThrow(
      /endpoint must be 'http-api' or 'function-url', got "rest-api"/,
    );
  });

  it('makes the URL public (auth type NONE) only with allowUnauthenticatedAccess', () => {
    const { stack } = build({ allowUnauthenticatedAccess: true });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
  });

  it('passes cdk-nag AWS Solutions checks with no new acknowledgement', () => {
    const { stack, sluice, role } = build();
    sluice.grantProduce(role, ['orders']);
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`),
    ).toEqual([]);
  });
});

describe("endpoint: 'http-api' (the default)", () => {
  it('is the same template whether the prop is omitted or named', () => {
    const named = new Stack(newApp(), 'Shop');
    new Sluice(named, 'Sluice', { clusterId: 'prod', endpoint: 'http-api' });
    const omitted = new Stack(newApp(), 'Shop');
    const sluice = new Sluice(omitted, 'Sluice', { clusterId: 'prod' });
    expect(Template.fromStack(named).toJSON()).toEqual(Template.fromStack(omitted).toJSON());
    Template.fromStack(omitted).resourceCountIs('AWS::Lambda::Url', 0);
    expect(sluice.endpoint).toBe('http-api');
    expect(sluice.functionUrl).toBeUndefined();
    expect(sluice.httpApi.apiId).toBeDefined();
  });

  it('still grants execute-api:Invoke, not the function', () => {
    const stack = new Stack(newApp(), 'Shop');
    const sluice = new Sluice(stack, 'Sluice', { clusterId: 'prod' });
    const role = new iam.Role(stack, 'Client', { assumedBy: new iam.AccountRootPrincipal() });
    sluice.grantAdmin(role);
    const actions = clientStatements(stack).flatMap((s) => asArray<string>(s.Action));
    expect(actions).toEqual(['execute-api:Invoke']);
  });
});
