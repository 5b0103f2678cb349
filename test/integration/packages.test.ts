import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureBundle } from '../../infra/bundle-size';
import { SLUICE_HANDLER_ENTRIES } from '../../infra/sluice-function';
import { extractBlocks } from '../support/doc-blocks';
import { type LocalBackbone, startLocalBackbone } from '../support/local-backbone';

/**
 * The packages as a user gets them: `npm pack` of `@sluice/client` and `@sluice/cdk` (their
 * `prepack` builds them), the tarballs installed with one `npm install` into a new project in
 * the OS temp directory, outside the repository, next to the other packages such a project
 * uses (taken from the npm cache when it has them). Then, from that project only:
 * (a) scripts — an ES module, a CommonJS module and a TypeScript file with top-level await
 * (type-checked against the package's declarations, run with tsx) — produce and consume
 * against `npm start`; (b) a CDK app using the construct synthesizes with cdk-nag's AWS
 * Solutions checks and deploys the prebuilt function bundles the package ships, and so does
 * the CDK app of docs/deploy.md as written.
 * The fixtures are in test/fixtures/user-app/.
 */
const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'user-app');
/** Longest one command may take; a longer one fails the test rather than hangs it. */
const COMMAND_LIMIT_MS = 180_000;

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface PackResult {
  readonly name: string;
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: { path: string }[];
}

function run(file: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const limit = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(
        new Error(
          `${file} ${args.join(' ')}: still running after ${COMMAND_LIMIT_MS} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, COMMAND_LIMIT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}

function succeeded(what: string, exit: Exit): Exit {
  if (exit.code !== 0) throw new Error(`${what} exited ${exit.code}:\n${exit.stdout}\n${exit.stderr}`);
  return exit;
}

/** The version the repository's lock file installs of a package: one the npm cache holds. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  return lock.packages[`node_modules/${name}`].version;
}

const work = mkdtempSync(join(tmpdir(), 'sluice-packages-'));
const app = join(work, 'app');
const measured: string[] = [];
let packed: PackResult[] = [];
let backbone: LocalBackbone | undefined;
let backboneStarting: Promise<LocalBackbone> | undefined;

async function timed<T>(what: string, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await action();
  measured.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

function userEnv(): NodeJS.ProcessEnv {
  return { ...process.env, SLUICE_URL: backbone?.url };
}

beforeAll(async () => {
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const configFile = join(work, 'sluice.config.json');
  writeFileSync(configFile, '{ "topics": [] }\n');
  // Starts while the packages build and install.
  backboneStarting = timed('npm start until ready', () => startLocalBackbone({ dataDir, configFile }));
  backboneStarting.catch(() => {}); // reported by the await below

  const pack = await timed('npm pack (builds both packages)', () =>
    run(
      'npm',
      [
        'pack',
        '--workspace',
        'packages/client',
        '--workspace',
        'packages/cdk',
        '--pack-destination',
        work,
        '--json',
      ],
      { cwd: ROOT },
    ),
  );
  succeeded('npm pack', pack);
  // `--json` prints the array; the build's own lines come before it.
  packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('\n[') + 1));
  for (const p of packed)
    measured.push(`${p.filename}: ${(p.size / 1024).toFixed(0)} KiB packed, ${p.files.length} files`);

  mkdirSync(app);
  cpSync(FIXTURE, app, { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'sluice-user-app', private: true, type: 'module' }, null, 2)}\n`,
  );
  const others = ['aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild', 'tsx', '@types/node'].map(
    (name) => `${name}@${lockedVersion(name)}`,
  );
  const install = await timed('npm install of the tarballs', () =>
    run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        ...packed.map((p) => join(work, p.filename)),
        ...others,
      ],
      { cwd: app },
    ),
  );
  succeeded('npm install', install);
  backbone = await backboneStarting;
}, 600_000);

afterAll(async () => {
  await (await backboneStarting?.catch(() => undefined))?.stop();
  rmSync(work, { recursive: true, force: true, maxRetries: 5 });
  console.log(`packages, measured:\n  ${measured.join('\n  ')}`);
}, 60_000);

function packedFiles(name: string): string[] {
  const found = packed.find((p) => p.name === name);
  if (!found) throw new Error(`${name} was not packed`);
  return found.files.map((f) => f.path).sort();
}

describe('the packed tarballs', () => {
  it('hold the client bundled for import and require, with its declarations, and no sources', () => {
    const files = packedFiles('@sluice/client');
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.cjs',
        'dist/index.mjs',
        'dist/types/shared/client/index.d.ts',
        'package.json',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('hold the construct with its declarations and each of its functions prebuilt', () => {
    const files = packedFiles('@sluice/cdk');
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/types/infra/index.d.ts',
        ...Object.keys(SLUICE_HANDLER_ENTRIES).flatMap((fn) => [
          `lambda/${fn}/index.js`,
          `lambda/${fn}/index.js.map`,
        ]),
      ]),
    );
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it.each(Object.entries(SLUICE_HANDLER_ENTRIES))(
    'ship as lambda/%s the bundle cdk synth builds from the sources here',
    async (fn, entry) => {
      const shipped = readFileSync(join(app, 'node_modules', '@sluice', 'cdk', 'lambda', fn, 'index.js'));
      expect(shipped.byteLength).toBe((await measureBundle(entry)).bytes);
    },
    120_000,
  );
});

describe('a user project with the packages installed', () => {
  it('(a) produces and consumes from a plain Node ES module', async () => {
    const exit = succeeded(
      'produce-consume.mjs',
      await timed('produce-consume.mjs', () =>
        run(process.execPath, ['produce-consume.mjs', 'packaged-esm'], { cwd: app, env: userEnv() }),
      ),
    );
    expect(JSON.parse(exit.stdout)).toEqual({
      sentTo: ['packaged-esm'],
      received: ['a=one', 'a=three', 'b=two'],
    });
  }, 120_000);

  it('(a) produces from a CommonJS module', async () => {
    const exit = succeeded(
      'produce.cjs',
      await run(process.execPath, ['produce.cjs', 'packaged-esm'], { cwd: app, env: userEnv() }),
    );
    expect(JSON.parse(exit.stdout)).toEqual({ sentTo: ['packaged-esm'] });
  }, 120_000);

  it('(a) type-checks its TypeScript against the declarations and runs it with tsx (top-level await)', async () => {
    await timed('tsc --noEmit of the user project', async () =>
      succeeded(
        'tsc',
        await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], {
          cwd: app,
        }),
      ),
    );
    const exit = succeeded(
      'produce-consume.ts',
      await timed('produce-consume.ts with tsx', () =>
        run(process.execPath, ['--import', 'tsx', 'produce-consume.ts', 'packaged-ts'], {
          cwd: app,
          env: userEnv(),
        }),
      ),
    );
    expect(JSON.parse(exit.stdout)).toEqual({ sent: 1, received: ['typed'] });
  }, 180_000);

  it('(b) synthesizes a CDK app with the construct, cdk-nag clean, deploying the prebuilt functions', async () => {
    const outdir = join(work, 'cdk.out');
    await timed('cdk app synth with cdk-nag', async () =>
      succeeded(
        'cdk-app.ts',
        await run(process.execPath, ['--import', 'tsx', 'cdk-app.ts', outdir], { cwd: app }),
      ),
    );
    const template = JSON.parse(readFileSync(join(outdir, 'UserApp.template.json'), 'utf8'));
    const prebuilt = new Map(
      Object.keys(SLUICE_HANDLER_ENTRIES).map((fn) => [
        readFileSync(join(app, 'node_modules', '@sluice', 'cdk', 'lambda', fn, 'index.js'), 'utf8'),
        fn,
      ]),
    );
    const deployed: Record<string, string> = {};
    for (const [id, resource] of Object.entries<{ Type: string; Properties: { Code: { S3Key: string } } }>(
      template.Resources,
    )) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const asset = join(outdir, `asset.${resource.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      expect(readdirSync(asset).sort()).toEqual(['index.js', 'index.js.map']);
      deployed[id] = prebuilt.get(readFileSync(join(asset, 'index.js'), 'utf8')) ?? 'bundled at synth';
    }
    expect(Object.entries(deployed).sort()).toEqual([
      [expect.stringMatching(/^OrderHandlerFunction/), 'bundled at synth'],
      [expect.stringMatching(/^SluiceApiFunction/), 'http'],
      [expect.stringMatching(/^SluiceConsumerordersappPoller/), 'poller'],
      [expect.stringMatching(/^SluiceRetention/), 'retention'],
      // The user's group keeps the default trigger, 'stream': the cluster's one stream reader.
      [expect.stringMatching(/^SluiceStreamDispatcherFunction/), 'stream-dispatch'],
    ]);
  }, 180_000);

  it('(b) synthesizes the CDK app of docs/deploy.md as written, importing @sluice/cdk', async () => {
    const doc = 'docs/deploy.md';
    const snippet = extractBlocks(readFileSync(join(ROOT, doc), 'utf8'), doc).find(
      (b) => b.language === 'ts' && b.code.includes('new Sluice('),
    );
    expect(snippet?.code).toContain("from '@sluice/cdk'");
    // The doc's own function code, `lambda.Code.fromAsset('dist/billing')`.
    mkdirSync(join(app, 'dist', 'billing'), { recursive: true });
    writeFileSync(join(app, 'dist', 'billing', 'index.js'), 'exports.handler = async () => ({});\n');
    writeFileSync(join(app, 'deploy-doc-app.ts'), `${snippet?.code}\napp.synth();\n`);
    const outdir = join(work, 'deploy-doc.out');
    await timed('docs/deploy.md CDK app synth', async () =>
      succeeded(
        'deploy-doc-app.ts',
        await run(process.execPath, ['--import', 'tsx', 'deploy-doc-app.ts'], {
          cwd: app,
          env: { ...process.env, CDK_OUTDIR: outdir },
        }),
      ),
    );
    const template = JSON.parse(readFileSync(join(outdir, 'Shop.template.json'), 'utf8'));
    const types = Object.values<{ Type: string }>(template.Resources).map((r) => r.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::ApiGatewayV2::Api', 'AWS::Lambda::Function']));
  }, 180_000);
});
