import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Sluice, type SluiceProps } from '../../infra';
import { REPO_ROOT } from '../../infra/sluice-function';

/** CloudFormation JSON as read in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: a template is arbitrary JSON that tests index freely.
export type CfnJson = any;

/** The context of `cdk.json` (feature flags), so tests synthesize what `cdk synth` does. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8'),
).context;

/**
 * A new app with the cdk.json context. Without `bundle`, assets are not bundled (the
 * `aws:cdk:bundling-stacks` context), which keeps a synth under a second.
 */
export function newApp(opts: { bundle?: boolean } = {}): App {
  return new App({
    context: { ...CDK_CONTEXT, ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
}

/** A stack holding one Sluice construct, and its template. */
export function synthSluice(
  props: SluiceProps = {},
  stackName = 'Test',
): {
  stack: Stack;
  sluice: Sluice;
  template: Template;
} {
  const app = newApp();
  const stack = new Stack(app, stackName);
  const sluice = new Sluice(stack, 'Sluice', props);
  return { stack, sluice, template: Template.fromStack(stack) };
}

/** Every resource of a type in a template, keyed by logical id. */
export function resourcesOf(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, CfnJson> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, CfnJson> }>;
}

/** Every IAM policy statement of a template (inline policies and AWS::IAM::Policy). */
export function policyStatements(
  template: Template,
): { where: string; statement: Record<string, CfnJson> }[] {
  const out: { where: string; statement: Record<string, CfnJson> }[] = [];
  for (const [id, res] of Object.entries(template.toJSON().Resources as Record<string, CfnJson>)) {
    const docs: CfnJson[] = [];
    if (res.Type === 'AWS::IAM::Policy' || res.Type === 'AWS::IAM::ManagedPolicy')
      docs.push(res.Properties.PolicyDocument);
    if (res.Type === 'AWS::IAM::Role') {
      for (const p of res.Properties.Policies ?? []) docs.push(p.PolicyDocument);
    }
    for (const doc of docs) for (const statement of doc.Statement) out.push({ where: id, statement });
  }
  return out;
}

/** `x` or `[x]` as an array. */
export function asArray<T>(x: T | T[] | undefined): T[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

/**
 * The widgets of the (only) dashboard of a template. Tokens inside the body (region, ids)
 * are replaced by `"<token>"` so the body parses as JSON.
 */
export function dashboardWidgets(template: Template): { properties: Record<string, CfnJson> }[] {
  const dashboard = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'))[0];
  const body = dashboard.Properties.DashboardBody;
  const text =
    typeof body === 'string'
      ? body
      : (body['Fn::Join'][1] as unknown[])
          .map((part) => (typeof part === 'string' ? part : '<token>'))
          .join('');
  return JSON.parse(text).widgets;
}
