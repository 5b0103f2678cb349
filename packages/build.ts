/**
 * Builds the installable packages from the repository's sources (see docs/packages.md):
 *
 * - `@sluice/client` (`packages/client/`): `shared/client/index.ts` bundled with the core code
 *   it uses into `dist/index.cjs` and `dist/index.mjs`; npm packages stay imports, declared in
 *   the package's `dependencies`.
 * - `@sluice/cdk` (`packages/cdk/`): `infra/index.ts` bundled into `dist/index.js` (CommonJS,
 *   like aws-cdk-lib; `aws-cdk-lib` and `constructs` are peer dependencies), plus the Lambda
 *   functions the construct deploys prebuilt into `lambda/<name>/` with the options `cdk synth`
 *   uses here, so an app using the package needs neither esbuild nor the TypeScript sources.
 *
 * Each gets type declarations in `dist/types/` (emitted by the TypeScript compiler, keeping the
 * repository's folder layout). The build fails if the JavaScript or the declarations import a
 * package the package.json does not declare.
 *
 * Usage: `node --import tsx packages/build.ts [client|cdk]...` (all when none is named);
 * `npm pack` in a package folder runs it (`prepack`).
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import ts from 'typescript';
import { functionBuildOptions } from '../infra/bundle-size';
import { REPO_ROOT, SLUICE_HANDLER_ENTRIES } from '../infra/sluice-function';

/** One package: where it lives and what it is built from. */
interface PackageSpec {
  /** Folder under `packages/`. */
  readonly dir: string;
  /** The module whose exports are the package's API, relative to the repository root. */
  readonly entry: string;
  /** The JavaScript outputs of {@link entry}, relative to the package folder. */
  readonly outputs: readonly { readonly file: string; readonly format: 'cjs' | 'esm' }[];
  /** Prebuilt Lambda functions: bundle folder under `lambda/` → entry module. */
  readonly functions: Readonly<Record<string, string>>;
}

/** The packages, by the name `build.ts` takes. */
export const PACKAGES: Readonly<Record<'client' | 'cdk', PackageSpec>> = {
  client: {
    dir: path.join(REPO_ROOT, 'packages', 'client'),
    entry: 'shared/client/index.ts',
    outputs: [
      { file: 'dist/index.cjs', format: 'cjs' },
      { file: 'dist/index.mjs', format: 'esm' },
    ],
    functions: {},
  },
  cdk: {
    dir: path.join(REPO_ROOT, 'packages', 'cdk'),
    entry: 'infra/index.ts',
    outputs: [{ file: 'dist/index.js', format: 'cjs' }],
    functions: SLUICE_HANDLER_ENTRIES,
  },
};

/** What a package's manifest declares that its code may import. */
function declaredPackages(dir: string): Set<string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

/** The bare imports esbuild left in a bundle (`packages: 'external'`). */
function externalImports(metafile: Metafile): Set<string> {
  const found = new Set<string>();
  for (const input of Object.values(metafile.inputs))
    for (const imported of input.imports) if (imported.external) found.add(imported.path);
  return found;
}

/** The bare module specifiers in a folder of `.d.ts` files. */
function declarationImports(dir: string): Set<string> {
  const found = new Set<string>();
  for (const file of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.d.ts')) continue;
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const match of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)'([^'.][^']*)'/g))
      found.add(match[1]);
  }
  return found;
}

function checkDeclared(name: string, dir: string, specifiers: Iterable<string>, where: string): void {
  const declared = declaredPackages(dir);
  const undeclared = [...specifiers].filter((s) => !isBuiltin(s) && !declared.has(packageOf(s)));
  if (undeclared.length > 0)
    throw new Error(
      `${name}: ${where} import(s) ${undeclared.join(', ')}, not declared in its package.json.`,
    );
}

/** Emits the declarations of `entry` and everything it imports into `outDir`. */
function emitDeclarations(entry: string, outDir: string): void {
  const program = ts.createProgram([path.join(REPO_ROOT, entry)], {
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: REPO_ROOT,
    outDir,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    types: ['node'],
    stripInternal: true,
  });
  const result = program.emit();
  const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );
  if (errors.length > 0) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => REPO_ROOT,
      getNewLine: () => '\n',
    };
    throw new Error(ts.formatDiagnostics(errors, host));
  }
}

/** Builds one package into its folder (replacing `dist/` and `lambda/`). */
export async function buildPackage(name: keyof typeof PACKAGES): Promise<void> {
  const spec = PACKAGES[name];
  for (const out of ['dist', 'lambda']) fs.rmSync(path.join(spec.dir, out), { recursive: true, force: true });

  for (const output of spec.outputs) {
    const result = await build({
      entryPoints: [path.join(REPO_ROOT, spec.entry)],
      absWorkingDir: REPO_ROOT,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: output.format,
      packages: 'external',
      outfile: path.join(spec.dir, output.file),
      sourcemap: true,
      sourcesContent: false,
      metafile: true,
      logLevel: 'warning',
    });
    checkDeclared(name, spec.dir, externalImports(result.metafile), output.file);
  }

  for (const [fn, entry] of Object.entries(spec.functions)) {
    const options = functionBuildOptions(entry);
    await build({ ...options, outfile: path.join(spec.dir, 'lambda', fn, options.outfile) });
  }

  const types = path.join(spec.dir, 'dist', 'types');
  emitDeclarations(spec.entry, types);
  checkDeclared(name, spec.dir, declarationImports(types), 'its declarations');
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in PACKAGES));
  if (unknown.length > 0)
    throw new Error(`unknown package(s) ${unknown.join(', ')}; known: ${Object.keys(PACKAGES).join(', ')}`);
  for (const name of (names.length > 0 ? names : Object.keys(PACKAGES)) as (keyof typeof PACKAGES)[]) {
    const started = Date.now();
    await buildPackage(name);
    process.stdout.write(
      `built ${path.relative(REPO_ROOT, PACKAGES[name].dir)} in ${Date.now() - started} ms\n`,
    );
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`packages/build: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
