import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SluiceExampleStack } from '../../infra/example-stack';
import { extractBlocks, shellCommands } from '../support/doc-blocks';
import { type CfnJson, newApp, resourcesOf } from './support';

/**
 * docs/deploy.md cannot run here (it needs an AWS account), so every name it uses is checked
 * against the example stack as `cdk synth` builds it: the stack name, the outputs it reads
 * from cdk-outputs.json, the route of every URL it calls, the `$default` stage of every ARN,
 * and the sample producer policy against what `grantProduce` grants.
 */
const ROOT = join(__dirname, '..', '..');
const DEPLOY_DOC = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
const BLOCKS = extractBlocks(DEPLOY_DOC, 'docs/deploy.md');
const SHELL = BLOCKS.filter((b) => b.language === 'sh')
  .map((b) => b.code)
  .join('\n');

/** The stack id `cdk.json`'s app gives the example stack. */
const STACK_NAME = /new SluiceExampleStack\(app, '(\w+)'/.exec(
  readFileSync(join(ROOT, 'infra', 'app.ts'), 'utf8'),
)?.[1];

let stack: SluiceExampleStack;
let template: CfnJson;

beforeAll(() => {
  if (!STACK_NAME) throw new Error('infra/app.ts no longer creates the example stack as expected');
  stack = new SluiceExampleStack(newApp(), STACK_NAME);
  const producer = new iam.Role(stack, 'DocProducer', { assumedBy: new iam.AccountRootPrincipal() });
  stack.sluice.grantProduce(producer, ['orders']);
  template = Template.fromStack(stack).toJSON();
});

/** An ARN of the template written as the doc writes it: REGION, ACCOUNT and API_ID for the unknowns. */
function placeholderArn(value: CfnJson): string {
  if (typeof value === 'string') return value;
  const [separator, parts] = value['Fn::Join'];
  return (parts as CfnJson[])
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = part.Ref as string;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return 'REGION';
      if (ref === 'AWS::AccountId') return 'ACCOUNT';
      if (ref === stack.getLogicalId(stack.sluice.httpApi.node.defaultChild as never)) return 'API_ID';
      throw new Error(`unexpected reference in an ARN: ${JSON.stringify(part)}`);
    })
    .join(separator);
}

/** A doc path such as `/v3/clusters/sluice/topics/orders/records` matches a route key's path. */
function matchesRoute(path: string, routePath: string): boolean {
  const pattern = routePath
    .split('/')
    .map((segment) => (/^\{.+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}$`).test(path);
}

describe('docs/deploy.md against the synthesized example stack', () => {
  it('deploys and reads the outputs of the stack cdk.json deploys', () => {
    const deployed = [...SHELL.matchAll(/cdk (?:deploy|destroy) (\w+)/g)].map((m) => m[1]);
    expect(deployed.length).toBeGreaterThan(0);
    for (const name of deployed) expect(name).toBe(STACK_NAME);
    const read = [...SHELL.matchAll(/require\('\.\/cdk-outputs\.json'\)\.(\w+)\.(\w+)/g)];
    expect(read.length).toBeGreaterThanOrEqual(3);
    for (const [, stackName, output] of read) {
      expect(stackName).toBe(STACK_NAME);
      expect(Object.keys(template.Outputs)).toContain(output);
    }
  });

  it('lists exactly the outputs of the template', () => {
    const row = DEPLOY_DOC.split('\n').find((line) => line.startsWith('| Outputs'));
    const listed = [...(row ?? '').matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.keys(template.Outputs).sort());
  });

  it('calls only routes the stack has, with its cluster id', () => {
    const clusterId = template.Outputs.ClusterId.Value;
    const routes = Object.values(resourcesOf(Template.fromJSON(template), 'AWS::ApiGatewayV2::Route')).map(
      (r) => (r.Properties.RouteKey as string).split(' '),
    );
    const calls = BLOCKS.filter((b) => b.language === 'sh')
      .flatMap((b) => shellCommands(b))
      .flatMap(({ command }) => {
        const path = /"\$\{SLUICE_URL\}([^"?]*)[^"]*"/.exec(command)?.[1];
        if (path === undefined) return [];
        const method = /-X (\w+)/.exec(command)?.[1] ?? (/ -d /.test(command) ? 'POST' : 'GET');
        return [{ method, path: `/${path}` }];
      });
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const { method, path } of calls) {
      if (path.startsWith('/v3/clusters/')) expect(path.split('/')[3]).toBe(clusterId);
      const found = routes.some(([m, p]) => m === method && matchesRoute(path, p));
      expect({ method, path, found }).toEqual({ method, path, found: true });
    }
  });

  it('uses the $default stage: no stage path in URLs, $default in ARNs', () => {
    const stages = Object.values(resourcesOf(Template.fromJSON(template), 'AWS::ApiGatewayV2::Stage'));
    expect(stages.map((s) => s.Properties.StageName)).toEqual(['$default']);
    expect(JSON.stringify(template.Outputs.EndpointUrl.Value)).toMatch(/\.execute-api\..*"\/"\]\]\}$/);
    expect(DEPLOY_DOC).not.toMatch(/\/prod\b/);
    const arns = [...DEPLOY_DOC.matchAll(/arn:aws:execute-api:[^\s"`]+/g)].map((m) => m[0]);
    expect(arns.length).toBeGreaterThan(0);
    for (const arn of arns) expect(arn).toMatch(/^arn:aws:execute-api:[^:]+:[^:]+:[^/]+\/\$default\//);
  });

  it('shows a producer policy equal to what grantProduce grants for topic orders', () => {
    const policyBlock = BLOCKS.find((b) => b.language === 'json' && b.code.includes('execute-api:Invoke'));
    const shown = JSON.parse(policyBlock?.code ?? '{}');
    const granted = Object.entries<CfnJson>(template.Resources)
      .filter(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('DocProducer'))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
    expect(granted).toHaveLength(1);
    expect(shown.Statement).toHaveLength(1);
    expect(shown.Statement[0].Action).toBe(granted[0].Action);
    expect([...shown.Statement[0].Resource].sort()).toEqual(granted[0].Resource.map(placeholderArn).sort());
  });

  it('signs curl for execute-api in the region, with the session token', () => {
    expect(SHELL).toContain('curl -s --aws-sigv4 "aws:amz:$AWS_REGION:execute-api"');
    expect(SHELL).toContain('--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"');
    expect(SHELL).toContain('-H "x-amz-security-token: $AWS_SESSION_TOKEN"');
  });
});

describe('the CDK app of docs/deploy.md', () => {
  it('type-checks and builds with @sluice/cdk mapped to the package source, infra/', () => {
    const snippet = BLOCKS.find((b) => b.language === 'ts' && b.code.includes('new Sluice('));
    expect(snippet?.code).toContain("from '@sluice/cdk'");
    // A CDK app next to a checkout named sluice: <dir>/sluice is this repository.
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cdk-app-'));
    try {
      symlinkSync(ROOT, join(dir, 'sluice'));
      const app = join(dir, 'app');
      mkdirSync(join(app, 'dist', 'billing'), { recursive: true });
      writeFileSync(join(app, 'dist', 'billing', 'index.js'), 'exports.handler = async () => ({});\n');
      symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
      writeFileSync(join(app, 'app.ts'), `${snippet?.code}\napp.synth();\n`);
      const compilerOptions = {
        strict: true,
        module: 'commonjs',
        moduleResolution: 'node',
        target: 'ES2022',
      };
      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...compilerOptions,
            esModuleInterop: true,
            skipLibCheck: true,
            noEmit: true,
            types: ['node'],
            // The package's entry (test/integration/packages.test.ts runs the packed package).
            paths: { '@sluice/cdk': ['../sluice/infra/index.ts'] },
          },
          files: ['app.ts'],
        }),
      );
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], {
        cwd: app,
        stdio: 'pipe',
      });
      execFileSync(process.execPath, ['--import', 'tsx', 'app.ts'], {
        cwd: app,
        stdio: 'pipe',
        // Synthesis without bundling: the construct tree, its validations and the template.
        env: {
          ...process.env,
          CDK_OUTDIR: join(dir, 'cdk.out'),
          CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
        },
      });
      const synthesized = JSON.parse(readFileSync(join(dir, 'cdk.out', 'Shop.template.json'), 'utf8'));
      expect(
        Object.values<CfnJson>(synthesized.Resources).some((r) => r.Type === 'AWS::ApiGatewayV2::Api'),
      ).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
