import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  BUNDLE_BUDGET_BYTES,
  type BundleReport,
  deployedEntries,
  FORBIDDEN_INPUTS,
  measureBundle,
} from '../../infra/bundle-size';
import { ORDER_HANDLER_ENTRY } from '../../infra/example-stack';
import { Sluice } from '../../infra/sluice';
import {
  HTTP_HANDLER_ENTRY,
  POLLER_HANDLER_ENTRY,
  RETENTION_HANDLER_ENTRY,
  STREAM_DISPATCH_HANDLER_ENTRY,
} from '../../infra/sluice-function';
import { newApp } from './support';

const reports = new Map<string, BundleReport>();

beforeAll(async () => {
  for (const entry of deployedEntries()) reports.set(entry, await measureBundle(entry));
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(
    [...reports.values()]
      .map(
        (r) =>
          `${r.entry}: ${kib(r.bytes)} minified, ${kib(r.gzipBytes)} gzipped; largest: ${r.byPackage
            .slice(0, 4)
            .map(([p, b]) => `${p} ${kib(b)}`)
            .join(', ')}`,
      )
      .join('\n'),
  );
}, 120_000);

describe('function bundles', () => {
  it('exist for the HTTP function, the poller, the retention sweeper, the stream dispatcher and the example handler', () => {
    expect([...reports.keys()]).toEqual([
      HTTP_HANDLER_ENTRY,
      POLLER_HANDLER_ENTRY,
      RETENTION_HANDLER_ENTRY,
      STREAM_DISPATCH_HANDLER_ENTRY,
      ORDER_HANDLER_ENTRY,
    ]);
  });

  it.each([
    ['functions/http/handler.ts', HTTP_HANDLER_ENTRY],
    ['functions/poller/handler.ts', POLLER_HANDLER_ENTRY],
    ['functions/retention/handler.ts', RETENTION_HANDLER_ENTRY],
    ['functions/examples/order-handler.ts', ORDER_HANDLER_ENTRY],
  ])('%s exports handler', (_name, entry) => {
    expect(fs.readFileSync(entry, 'utf8')).toMatch(/export (async function handler\b|const handler\b)/);
  });

  it('stay within the size budget', () => {
    for (const report of reports.values()) {
      expect({ entry: report.entry, withinBudget: report.bytes <= BUNDLE_BUDGET_BYTES }).toEqual({
        entry: report.entry,
        withinBudget: true,
      });
    }
    expect(reports.get(ORDER_HANDLER_ENTRY)?.bytes).toBeLessThan(10_000);
  });

  it('contain no CDK, construct, cdk-nag, infra or test code', () => {
    for (const report of reports.values()) {
      expect(report.inputs.filter((i) => FORBIDDEN_INPUTS.some((re) => re.test(i)))).toEqual([]);
    }
  });

  it('bundle the AWS SDK clients they use (not the runtime copy)', () => {
    const http = reports.get(HTTP_HANDLER_ENTRY);
    expect(http?.byPackage.map(([p]) => p)).toEqual(
      expect.arrayContaining(['@aws-sdk/client-s3', '@aws-sdk/client-dynamodb']),
    );
  });

  it('serve the HTTP API with the router the local server runs', () => {
    expect(reports.get(HTTP_HANDLER_ENTRY)?.inputs).toEqual(
      expect.arrayContaining(['functions/http/handler.ts', 'shared/http/router.ts']),
    );
  });
});

describe('the bundle CDK builds', () => {
  it('is the HTTP handler bundled with the same options, plus an external source map', () => {
    const app = newApp({ bundle: true });
    const stack = new Stack(app, 'Bundled');
    const sluice = new Sluice(stack, 'Sluice');
    const assembly = app.synth();
    const code = (sluice.apiFunction.function.node.defaultChild as lambda.CfnFunction).code as {
      s3Key: string;
    };
    const hash = stack.resolve(code.s3Key).replace(/\.zip$/, '');
    const dir = path.join(assembly.directory, `asset.${hash}`);
    expect(fs.readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
    const built = fs.statSync(path.join(dir, 'index.js')).size;
    const measured = reports.get(HTTP_HANDLER_ENTRY)?.bytes ?? 0;
    // Only the trailing `//# sourceMappingURL=index.js.map` line differs.
    expect(Math.abs(built - measured)).toBeLessThan(100);
  }, 120_000);
});
