import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DocBlock,
  docFiles,
  extractBlocks,
  isRun,
  matchesShownMessage,
  shellCommands,
} from '../support/doc-blocks';
import { type LocalBackbone, startLocalBackbone } from '../support/local-backbone';

/**
 * Docs that run: every `sh`, `bash` and `ts` block of README.md and docs/ (except those
 * marked `<!-- not-run: why -->`, see test/support/doc-blocks.ts) is executed, in document
 * order, against one backbone started as users start it: `npm start` in the repository with
 * its own `sluice.config.json`. Documents run in the order of `docFiles`, README first, so
 * the state one block builds (a topic, records) is there for the next, as for a reader.
 *
 * - Shell blocks: each command in bash, from the repository root, with `sluice` on PATH
 *   (bin/sluice.js), `SLUICE_URL` and `AWS_ENDPOINT_URL` exported as `npm start` says, no
 *   AWS credentials. It must exit 0; under a `# sluice: …` comment it must exit 1 with that
 *   message; a command whose comment says "until Ctrl-C" is interrupted and must exit 0.
 * - TypeScript blocks: all of a document's blocks form one module, type-checked with tsc
 *   (strict) and then run with tsx in a
 *   temporary directory whose top-level folders link to the repository's. The docs import
 *   the client as a user does, `@sluice/client`; here the tsconfig maps that name to the
 *   package's source, `shared/client/index.ts` (test/integration/packages.test.ts runs the
 *   packed package itself).
 *
 * The docs' URL `http://127.0.0.1:8080` is replaced by the started backbone's, which listens
 * on a free port so that this test runs beside anything else.
 */
const ROOT = join(__dirname, '..', '..');
const DOC_URL = 'http://127.0.0.1:8080';
/** Longest a documented command may take; a longer one fails the test rather than hangs it. */
const COMMAND_LIMIT_MS = 60_000;

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let backbone: LocalBackbone | undefined;
let url: string;
let awsEndpoint: string;
const scratch = mkdtempSync(join(tmpdir(), 'sluice-docs-'));

/** The environment of a documented command: a user's shell after `npm start`'s advice. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(AWS_|SLUICE_)/.test(name) && name !== 'AWS_CA_BUNDLE') delete env[name];
  }
  return {
    ...env,
    PATH: `${join(scratch, 'bin')}:${env.PATH}`,
    SLUICE_URL: url,
    AWS_ENDPOINT_URL: awsEndpoint,
    // No credentials and no instance metadata to ask: the docs' "no AWS credentials" case.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Runs one command in bash; with `interrupt`, sends Ctrl-C's SIGINT once it has started. */
function run(
  file: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; interrupt?: boolean },
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    // A Ctrl-C reaches the terminal's whole foreground process group.
    const interrupt = opts.interrupt ? setTimeout(() => killGroup('SIGINT'), 2_000) : undefined;
    const limit = setTimeout(() => {
      killGroup('SIGKILL');
      reject(new Error(`still running after ${COMMAND_LIMIT_MS} ms:\n${stdout}\n${stderr}`));
    }, COMMAND_LIMIT_MS);
    child.once('exit', (code) => {
      clearTimeout(interrupt);
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}

function forTheBackbone(code: string): string {
  return code.replaceAll(DOC_URL, url);
}

async function runShellBlock(block: DocBlock): Promise<void> {
  for (const { command, line, expectedError, untilCtrlC } of shellCommands(block)) {
    const where = `${block.file}:${line}: ${command}`;
    const exit = await run('bash', ['-o', 'pipefail', '-c', forTheBackbone(command)], {
      cwd: ROOT,
      env: userEnv(),
      interrupt: untilCtrlC,
    });
    const shown = `${where}\nexit ${exit.code}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`;
    if (expectedError === undefined) {
      if (exit.code !== 0) throw new Error(`expected exit 0: ${shown}`);
    } else if (exit.code !== 1 || !matchesShownMessage(`sluice: ${expectedError}`, exit.stderr)) {
      throw new Error(`expected exit 1 with "sluice: ${expectedError}": ${shown}`);
    }
  }
}

async function runTypeScriptBlocks(file: string, blocks: DocBlock[]): Promise<void> {
  const dir = mkdtempSync(join(scratch, 'ts-'));
  for (const name of readdirSync(ROOT)) {
    if (!name.startsWith('.') && statSync(join(ROOT, name)).isDirectory())
      symlinkSync(join(ROOT, name), join(dir, name));
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const program = blocks.map((b) => `// ${b.file}:${b.line}\n${forTheBackbone(b.code)}`).join('\n\n');
  writeFileSync(join(dir, 'doc.ts'), program);
  // Type-checked first, as a user's editor would: tsx alone runs code that would not compile.
  const compilerOptions = { strict: true, module: 'esnext', moduleResolution: 'bundler', target: 'ES2022' };
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        ...compilerOptions,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        paths: { '@sluice/client': ['./shared/client/index.ts'] },
      },
      files: ['doc.ts'],
    }),
  );
  const typeCheck = await run(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir],
    {
      cwd: dir,
      env: userEnv(),
    },
  );
  if (typeCheck.code !== 0) {
    throw new Error(
      `the TypeScript of ${file} does not compile:\n${typeCheck.stdout}\n${typeCheck.stderr}\n--- doc.ts ---\n${program}`,
    );
  }
  const exit = await run(process.execPath, ['--import', 'tsx', 'doc.ts'], { cwd: dir, env: userEnv() });
  if (exit.code !== 0) {
    throw new Error(
      `the TypeScript of ${file} exited ${exit.code}:\n${exit.stdout}\n${exit.stderr}\n--- doc.ts ---\n${program}`,
    );
  }
}

beforeAll(async () => {
  // `sluice` on PATH, as after `npm link`.
  mkdirSync(join(scratch, 'bin'));
  symlinkSync(join(ROOT, 'bin', 'sluice.js'), join(scratch, 'bin', 'sluice'));
  // No SLUICE_CONFIG: the repository's own sluice.config.json, as a user's first `npm start`.
  backbone = await startLocalBackbone({ dataDir: join(scratch, 'data') });
  url = backbone.url;
  if (backbone.awsEndpoint === undefined) {
    throw new Error(`npm start did not say where its AWS APIs are:\n${backbone.output()}`);
  }
  awsEndpoint = backbone.awsEndpoint;
}, 120_000);

afterAll(async () => {
  await backbone?.stop();
  rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
}, 60_000);

const docs = docFiles(ROOT)
  .map((file) => ({
    file,
    blocks: extractBlocks(readFileSync(join(ROOT, file), 'utf8'), file).filter(isRun),
  }))
  .filter(({ blocks }) => blocks.length > 0);

describe('docs that run', () => {
  it.each(docs.map((doc) => [doc.file, doc] as const))(
    '%s',
    async (_file, { file, blocks }) => {
      for (const block of blocks.filter((b) => b.language !== 'ts')) await runShellBlock(block);
      const typescript = blocks.filter((b) => b.language === 'ts');
      if (typescript.length > 0) await runTypeScriptBlocks(file, typescript);
    },
    300_000,
  );
});
