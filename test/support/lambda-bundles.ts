import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { SluiceExampleStack } from '../../infra/example-stack';
import { CDK_CONTEXT } from '../infra/support';
import type { FunctionAnswer } from './fake-lambda-service';

const DRIVER = path.join(__dirname, 'invoke-bundle.cjs');

/** CloudFormation JSON, indexed freely. */
// biome-ignore lint/suspicious/noExplicitAny: a template is arbitrary JSON.
type CfnJson = any;

/** One Lambda function of a synthesized stack, with the asset `cdk synth` wrote for it. */
export interface SynthesizedFunction {
  readonly logicalId: string;
  /** The asset directory holding the bundle (`index.js`). */
  readonly assetDir: string;
  /** `module.export`, as in the template. */
  readonly handler: string;
  /** The environment as the template declares it (intrinsics unresolved). */
  readonly environment: Record<string, CfnJson>;
  readonly timeoutSeconds: number;
}

/**
 * Synthesizes the example stack of `cdk.json` with bundling, as `cdk synth` does, into a new
 * temporary directory, and returns its Lambda functions by logical id. `extend` adds to the
 * stack before it is synthesized (another consumer group, say).
 *
 * @example
 * const { functions } = synthesizeExampleStack();
 * synthesizeExampleStack((stack) => stack.sluice.addConsumer('audit', { topics: ['orders'], handler: stack.orderHandler.function }));
 */
export function synthesizeExampleStack(extend?: (stack: SluiceExampleStack) => void): {
  outdir: string;
  template: CfnJson;
  functions: Map<string, SynthesizedFunction>;
} {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-synth-'));
  const app = new App({ outdir, context: CDK_CONTEXT });
  const stack = new SluiceExampleStack(app, 'Sluice');
  extend?.(stack);
  app.synth();
  // Read from the file `cdk synth` wrote: the assembly's lookup by name fails when the cloud
  // assembly classes are loaded twice (tsx loading both module formats).
  const template: CfnJson = JSON.parse(fs.readFileSync(path.join(outdir, stack.templateFile), 'utf8'));
  const functions = new Map<string, SynthesizedFunction>();
  for (const [logicalId, resource] of Object.entries<CfnJson>(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const key: string = resource.Properties.Code.S3Key;
    functions.set(logicalId, {
      logicalId,
      assetDir: path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`),
      handler: resource.Properties.Handler,
      environment: resource.Properties.Environment?.Variables ?? {},
      timeoutSeconds: resource.Properties.Timeout ?? 3,
    });
  }
  return { outdir, template, functions };
}

/** The function whose logical id starts with a prefix (logical ids end in a hash). */
export function functionNamed(
  functions: Map<string, SynthesizedFunction>,
  prefix: string,
): SynthesizedFunction {
  const found = [...functions.values()].filter((f) => f.logicalId.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one function named ${prefix}*, found ${found.length}`);
  return found[0];
}

/**
 * Resolves the intrinsics a function's environment uses (`Ref`, `Fn::Join`, pseudo
 * parameters) against local values: `refs` maps the logical id of a referenced resource to
 * the value it stands for here. A reference to anything not in `refs` throws, so a variable
 * the construct adds later cannot slip through unresolved.
 */
export function resolveEnvironment(
  fn: SynthesizedFunction,
  refs: Record<string, string>,
): Record<string, string> {
  const pseudo: Record<string, string> = {
    'AWS::Region': 'us-east-1',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::AccountId': '123456789012',
    'AWS::Partition': 'aws',
  };
  const resolve = (value: CfnJson): string => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object' && 'Ref' in value) {
      const resolved = refs[value.Ref] ?? pseudo[value.Ref];
      if (resolved === undefined) throw new Error(`${fn.logicalId}: no local value for Ref ${value.Ref}`);
      return resolved;
    }
    if (value && typeof value === 'object' && 'Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'];
      return (parts as CfnJson[]).map(resolve).join(separator);
    }
    throw new Error(`${fn.logicalId}: cannot resolve ${JSON.stringify(value)}`);
  };
  return Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, resolve(value)]));
}

/** Where a synthesized stack's functions run locally: its storage's names and the endpoints. */
export interface LocalStack {
  readonly resources: { readonly bucket: string; readonly logTable: string; readonly metaTable: string };
  /** The emulators' edge (`AWS_ENDPOINT_URL`). */
  readonly awsEndpoint: string;
  /** The stand-in for the Lambda service's Invoke API (`test/support/fake-lambda-service.ts`). */
  readonly lambdaEndpoint: string;
}

/**
 * The environment a function runs with: the template's, resolved against local values (the
 * bucket and tables by the variable naming them, functions by logical id, the HTTP API by a
 * made-up id), plus what Lambda sets and the local endpoints.
 *
 * @example
 * const env = localEnvironment(synthesized, poller, { resources, awsEndpoint, lambdaEndpoint });
 */
export function localEnvironment(
  synthesized: { readonly template: CfnJson; readonly functions: Map<string, SynthesizedFunction> },
  fn: SynthesizedFunction,
  local: LocalStack,
  extra: Record<string, string> = {},
): Record<string, string> {
  const refs: Record<string, string> = {};
  const storage = {
    SLUICE_BUCKET: 'bucket',
    SLUICE_LOG_TABLE: 'logTable',
    SLUICE_META_TABLE: 'metaTable',
  } as const;
  for (const [variable, resource] of Object.entries(storage)) {
    const ref = fn.environment[variable]?.Ref;
    if (ref) refs[ref] = local.resources[resource];
  }
  for (const id of synthesized.functions.keys()) refs[id] = id;
  for (const [id, resource] of Object.entries<CfnJson>(synthesized.template.Resources)) {
    if (resource.Type === 'AWS::ApiGatewayV2::Api') refs[id] = 'a1b2c3d4e5';
  }
  return {
    ...resolveEnvironment(fn, refs),
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    AWS_ENDPOINT_URL: local.awsEndpoint,
    AWS_ENDPOINT_URL_LAMBDA: local.lambdaEndpoint,
    ...extra,
  };
}

/** What the process of one invocation used (Node's own accounting, read by the driver). */
export interface InvocationUsage {
  /** From the process start until the handler was loaded, and until it answered. */
  readonly loadWallMs: number;
  readonly wallMs: number;
  /** CPU (user + system) until the handler was loaded, and until it answered. */
  readonly loadCpuMs: number;
  readonly cpuMs: number;
  /** The process's peak resident memory. */
  readonly maxRssMb: number;
}

/** What one invocation of a bundle returned. */
export type InvocationOutcome = FunctionAnswer & { readonly logs: string; readonly usage: InvocationUsage };

/**
 * Invokes a bundled function once in a fresh plain Node process (a cold start), with exactly
 * the given environment plus what the Lambda runtime itself sets.
 *
 * @example
 * const outcome = await invokeBundle(httpFunction, env, apiGatewayEvent);
 */
export async function invokeBundle(
  fn: SynthesizedFunction,
  environment: Record<string, string>,
  event: unknown,
  timeoutMs = fn.timeoutSeconds * 1000,
): Promise<InvocationOutcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-invoke-'));
  const eventFile = path.join(dir, 'event.json');
  const resultFile = path.join(dir, 'result.json');
  fs.writeFileSync(eventFile, JSON.stringify(event));
  const child = spawn(
    process.execPath,
    [DRIVER, fn.assetDir, fn.handler, eventFile, resultFile, String(timeoutMs)],
    {
      env: {
        PATH: process.env.PATH,
        AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        ...environment,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let logs = '';
  child.stdout.on('data', (chunk) => {
    logs += chunk;
  });
  child.stderr.on('data', (chunk) => {
    logs += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    if (!fs.existsSync(resultFile))
      throw new Error(`${fn.logicalId} exited with ${code} and no answer:\n${logs}`);
    return { ...JSON.parse(fs.readFileSync(resultFile, 'utf8')), logs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
