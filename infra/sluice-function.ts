import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The repository root: NodejsFunction's project root and the home of `package-lock.json`.
 * In the `@sluice/cdk` package (whose bundled code runs from `dist/`) it is the
 * package's own folder, which holds {@link PREBUILT_FUNCTIONS_DIR}.
 */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** Entry of the HTTP API handler: the same module the local server (`npm start`) runs. */
export const HTTP_HANDLER_ENTRY = path.join(REPO_ROOT, 'functions', 'http', 'handler.ts');

/** Entry of the consumer poller (one function per consumer group). */
export const POLLER_HANDLER_ENTRY = path.join(REPO_ROOT, 'functions', 'poller', 'handler.ts');

/**
 * Entry of the stream dispatcher: the one reader of the log table's stream, which triggers
 * every stream-triggered group (one function per cluster, created with the first such group).
 */
export const STREAM_DISPATCH_HANDLER_ENTRY = path.join(
  REPO_ROOT,
  'functions',
  'stream-dispatch',
  'handler.ts',
);

/** Entry of the scheduled retention sweeper. */
export const RETENTION_HANDLER_ENTRY = path.join(REPO_ROOT, 'functions', 'retention', 'handler.ts');

/**
 * Where the `@sluice/cdk` package keeps the prebuilt bundles of Sluice's own functions, one
 * folder per function (`http/`, `poller/`, `retention/`, `stream-dispatch/`, each `index.js` + `index.js.map`),
 * built by `packages/build.ts` with {@link SLUICE_BUNDLING}. A checkout of this repository has
 * no such folder: there the functions are bundled from their TypeScript sources at synth time,
 * so a change to `functions/` or `shared/` is deployed without a package build.
 */
export const PREBUILT_FUNCTIONS_DIR = path.join(REPO_ROOT, 'lambda');

/** Sluice's own functions by the name of their prebuilt bundle's folder. */
export const SLUICE_HANDLER_ENTRIES: Readonly<
  Record<'http' | 'poller' | 'retention' | 'stream-dispatch', string>
> = {
  http: HTTP_HANDLER_ENTRY,
  poller: POLLER_HANDLER_ENTRY,
  retention: RETENTION_HANDLER_ENTRY,
  'stream-dispatch': STREAM_DISPATCH_HANDLER_ENTRY,
};

/** True when this code runs from the `@sluice/cdk` package rather than a checkout of the repository. */
function isPackaged(): boolean {
  return fs.existsSync(PREBUILT_FUNCTIONS_DIR);
}

/**
 * The folder holding the prebuilt bundle of `entry` when this code runs from the
 * `@sluice/cdk` package and `entry` is one of Sluice's own functions; otherwise `undefined`
 * (the entry is bundled with esbuild at synth time).
 *
 * @example
 * prebuiltBundleOf(HTTP_HANDLER_ENTRY); // '<package>/lambda/http' in the package, undefined here
 */
export function prebuiltBundleOf(entry: string): string | undefined {
  if (!isPackaged()) return undefined;
  const name = Object.entries(SLUICE_HANDLER_ENTRIES).find(([, own]) => own === entry)?.[0];
  if (name === undefined) return undefined;
  const dir = path.join(PREBUILT_FUNCTIONS_DIR, name);
  if (!fs.existsSync(path.join(dir, 'index.js')))
    throw new Error(`The @sluice/cdk package is incomplete: ${path.join(dir, 'index.js')} is missing.`);
  return dir;
}

/**
 * How every Sluice function is bundled (local esbuild, no Docker).
 *
 * The AWS SDK v3 is bundled (`externalModules: []`) rather than taken from the Lambda
 * runtime: the version then is the one in `package-lock.json` — the one the tests and the
 * local server ran — instead of whatever the runtime ships that week, and esbuild keeps
 * only the clients and commands the code imports (S3, DynamoDB, Lambda: ~0.5 MB minified).
 * `mainFields: ['module', 'main']` lets esbuild tree-shake the SDK's ES-module builds.
 * Source maps are external files (`sourcesContent: false` keeps them small) and are used
 * through `NODE_OPTIONS=--enable-source-maps`.
 */
export const SLUICE_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  format: nodejs.OutputFormat.CJS,
  mainFields: ['module', 'main'],
  externalModules: [],
  logLevel: nodejs.LogLevel.WARNING,
};

/** Properties of a {@link SluiceFunction}. */
export interface SluiceFunctionProps {
  /** Path of the TypeScript module to bundle. */
  readonly entry: string;
  /**
   * Name of the exported handler.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * Description shown in the Lambda console.
   * @default - none
   */
  readonly description?: string;
  /**
   * Memory in MB (CPU scales with it).
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Maximum run time of one invocation.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Environment variables (besides `NODE_OPTIONS=--enable-source-maps`).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Retries of a failed asynchronous invocation (0..2).
   * @default 2 (Lambda's default)
   */
  readonly retryAttempts?: number;
  /**
   * Concurrent executions reserved for (and capping) the function.
   * @default - none
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How long the function's log events are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Node.js 22 arm64 Lambda function bundled the Sluice way, with its own log group (with
 * a retention) and its own role that may write only to that log group. Grant it anything
 * else explicitly. No AWS managed policy is attached.
 *
 * @example
 * const fn = new SluiceFunction(this, 'OrderHandler', {
 *   entry: path.join(__dirname, '../functions/examples/order-handler.ts'),
 * });
 * sluice.addConsumer('orders-app', { topics: ['orders'], handler: fn.function });
 */
export class SluiceFunction extends Construct {
  /** The Lambda function. */
  readonly function: lambda.Function;
  /** Its execution role. */
  readonly role: iam.Role;
  /** Its log group. */
  readonly logGroup: logs.LogGroup;
  /** The bundled entry module (absolute path). */
  readonly entry: string;
  /**
   * The folder of the prebuilt bundle deployed instead of bundling {@link entry}, when this
   * code runs from the `@sluice/cdk` package (see {@link prebuiltBundleOf}).
   */
  readonly prebuiltBundle: string | undefined;

  constructor(scope: Construct, id: string, props: SluiceFunctionProps) {
    super(scope, id);
    if (!props?.entry) throw new Error(`SluiceFunction ${id}: entry is required.`);
    const memorySize = props.memorySize ?? 1024;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
      throw new Error(
        `SluiceFunction ${id}: memorySize must be an integer from 128 to 10240 MB, got ${memorySize}.`,
      );
    }
    this.entry = path.resolve(props.entry);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.node.path}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const common = {
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      retryAttempts: props.retryAttempts,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    };
    this.prebuiltBundle = prebuiltBundleOf(this.entry);
    this.function = this.prebuiltBundle
      ? new lambda.Function(this, 'Function', {
          ...common,
          code: lambda.Code.fromAsset(this.prebuiltBundle),
          handler: `index.${props.handler ?? 'handler'}`,
        })
      : new nodejs.NodejsFunction(this, 'Function', {
          ...common,
          entry: this.entry,
          handler: props.handler ?? 'handler',
          // From the package, a user's own entry is bundled within the user's project (the
          // lock file NodejsFunction finds from the working directory).
          ...(isPackaged()
            ? {}
            : { projectRoot: REPO_ROOT, depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json') }),
          bundling: SLUICE_BUNDLING,
        });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is chosen deliberately: an LTS runtime supported by Lambda into 2027 that satisfies the AWS SDK v3 ' +
        'requirement of Node >= 22 and is what the project tests against; moving to Node.js 24 is a one-line change.',
    });
  }
}
