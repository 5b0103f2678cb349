/**
 * Prints the size of every Lambda bundle Sluice deploys, with the packages that weigh most,
 * using esbuild with the same options the construct gives NodejsFunction
 * ({@link SLUICE_BUNDLING}).
 *
 * Usage: `npx tsx infra/bundle-size.ts` (exit code 1 if a bundle breaks its budget or
 * contains code that must never ship: CDK, constructs, test code).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { ORDER_HANDLER_ENTRY } from './example-stack';
import {
  HTTP_HANDLER_ENTRY,
  POLLER_HANDLER_ENTRY,
  REPO_ROOT,
  RETENTION_HANDLER_ENTRY,
  SLUICE_BUNDLING,
  STREAM_DISPATCH_HANDLER_ENTRY,
} from './sluice-function';

/** Largest acceptable minified bundle, in bytes. */
export const BUNDLE_BUDGET_BYTES = 1_500_000;

/** Inputs that must never be bundled into a function. */
export const FORBIDDEN_INPUTS = [
  /node_modules\/aws-cdk-lib\//,
  /node_modules\/constructs\//,
  /node_modules\/cdk-nag\//,
  /^test\//,
  /node_modules\/jest/,
  /^infra\//,
];

/** Size report of one bundle. */
export interface BundleReport {
  /** Entry module, relative to the repository root. */
  readonly entry: string;
  /** Minified bundle size in bytes. */
  readonly bytes: number;
  /** Gzipped size in bytes (close to the deployed zip). */
  readonly gzipBytes: number;
  /** Bundled inputs, relative to the repository root. */
  readonly inputs: string[];
  /** The inputs that put code into the output (what tree shaking kept), relative to the root. */
  readonly shippedInputs: string[];
  /** Bytes in the output per package (or source folder), largest first. */
  readonly byPackage: [string, number][];
}

/**
 * esbuild's options for one function entry: those NodejsFunction derives from
 * {@link SLUICE_BUNDLING}, so a bundle measured here, or prebuilt for the `@sluice/cdk`
 * package (`packages/build.ts`), is the bundle `cdk synth` builds in this repository.
 */
export function functionBuildOptions(entry: string): BuildOptions & { outfile: string } {
  return {
    entryPoints: [entry],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: SLUICE_BUNDLING.target,
    format: 'cjs',
    minify: SLUICE_BUNDLING.minify,
    mainFields: SLUICE_BUNDLING.mainFields,
    external: SLUICE_BUNDLING.externalModules,
    sourcemap: SLUICE_BUNDLING.sourceMap,
    sourcesContent: SLUICE_BUNDLING.sourcesContent,
    outfile: 'index.js',
    logLevel: 'warning',
  };
}

/** Bundles one entry like the construct does and reports its size and contents. */
export async function measureBundle(entry: string): Promise<BundleReport> {
  const result = await build({ ...functionBuildOptions(entry), metafile: true, write: false });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!js) throw new Error(`esbuild produced no JavaScript for ${entry}`);
  // The source map is an output too.
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('.js'))?.[1];
  if (!output) throw new Error(`esbuild's metafile names no JavaScript output for ${entry}`);
  const byPackage = new Map<string, number>();
  for (const [input, info] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? path.dirname(input);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + info.bytesInOutput);
  }
  return {
    entry: path.relative(REPO_ROOT, entry),
    bytes: js.contents.byteLength,
    gzipBytes: gzipSync(js.contents).byteLength,
    inputs: Object.keys(result.metafile.inputs),
    shippedInputs: Object.entries(output.inputs)
      .filter(([, info]) => info.bytesInOutput > 0)
      .map(([input]) => input),
    byPackage: [...byPackage.entries()].sort((a, b) => b[1] - a[1]),
  };
}

/** The entries Sluice deploys that exist in this checkout. */
export function deployedEntries(): string[] {
  return [
    HTTP_HANDLER_ENTRY,
    POLLER_HANDLER_ENTRY,
    RETENTION_HANDLER_ENTRY,
    STREAM_DISPATCH_HANDLER_ENTRY,
    ORDER_HANDLER_ENTRY,
  ].filter((e) => fs.existsSync(e));
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

async function main(): Promise<void> {
  let failed = false;
  for (const entry of deployedEntries()) {
    const report = await measureBundle(entry);
    const forbidden = report.inputs.filter((i) => FORBIDDEN_INPUTS.some((re) => re.test(i)));
    const over = report.bytes > BUNDLE_BUDGET_BYTES;
    failed ||= over || forbidden.length > 0;
    process.stdout.write(
      `${report.entry}: ${kb(report.bytes)} minified, ${kb(report.gzipBytes)} gzipped${over ? ' (OVER BUDGET)' : ''}\n`,
    );
    for (const [pkg, bytes] of report.byPackage.slice(0, 8))
      process.stdout.write(`  ${kb(bytes).padStart(9)}  ${pkg}\n`);
    for (const input of forbidden) process.stdout.write(`  FORBIDDEN INPUT: ${input}\n`);
  }
  if (failed) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bundle-size: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
