import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');
const biome = join(root, 'node_modules', '.bin', 'biome');

/**
 * Lints one probe file with the project's biome.json, in a scratch copy of the layout (so the
 * checkout is never written to), and returns the import-boundary diagnostics.
 */
function boundaryErrors(path: string, source: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-boundaries-'));
  try {
    copyFileSync(join(root, 'biome.json'), join(dir, 'biome.json'));
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
    const run = spawnSync(biome, ['lint', '--max-diagnostics=50', path], { cwd: dir, encoding: 'utf8' });
    return `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.includes('noRestrictedImports'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the import boundaries in npm run lint', () => {
  it.each([
    ['shared/log/probe.ts', '../http/router'],
    ['shared/poller/probe.ts', '../client'],
    ['shared/groups/probe.ts', '../poller/worker'],
    ['shared/groups/probe.ts', '../member/runtime'],
    ['shared/member/probe.ts', '../poller/worker'],
    ['shared/member/probe.ts', '../client/consumer'],
    ['shared/storage/probe.ts', '../../cli/index'],
    ['shared/retention/probe.ts', '../../local/emulators'],
    ['shared/topics/probe.ts', '../../functions/http/handler'],
    ['shared/cluster-probe.ts', '../infra/sluice'],
    ['shared/http/probe.ts', '../client/transport'],
    ['shared/client/probe.ts', '../http/router'],
    ['functions/http/probe.ts', '../../infra/sluice'],
    ['infra/probe.ts', '../shared/log'],
    ['infra/probe.ts', '../functions/http/handler'],
    ['infra/probe.ts', '../shared/http/router'],
    ['infra/probe.ts', '../shared/http/routes/produce'],
    ['shared/http/api-routes.ts', './types'],
    ['shared/http/api-routes.ts', '../cluster'],
    ['shared/poller/consumer-config.ts', '../errors'],
    ['shared/poller/consumer-config.ts', '../validation'],
    ['shared/poller/consumer-config.ts', '../groups/names'],
    ['shared/groups/group-name.ts', '../errors'],
    ['infra/probe.ts', '../shared/poller/options'],
    ['infra/probe.ts', '../shared/groups/names'],
    ['cli/probe.ts', '../local/emulators'],
    ['console/app/probe.ts', '../../shared/http/router'],
    ['console/app/pages/probe.tsx', '../../../shared/errors'],
    ['console/app/probe.ts', '../server/assets'],
    ['console/app/probe.ts', 'node:fs'],
  ])('refuses %s importing %s', (path, specifier) => {
    const errors = boundaryErrors(path, `import * as m from '${specifier}';\nexport const x = m;\n`);
    expect(errors).toHaveLength(1);
  });

  it.each([
    ['shared/log/probe.ts', '../storage/log-index'],
    ['shared/http/probe.ts', '../log'],
    ['shared/poller/probe.ts', '@aws-sdk/client-lambda'],
    ['shared/poller/probe.ts', '../groups/service'],
    ['shared/groups/probe.ts', '../log'],
    ['shared/member/probe.ts', '../groups/service'],
    ['shared/poller/probe.ts', '../member/runtime'],
    ['shared/client/consumer/probe.ts', '../../member/runtime'],
    ['functions/http/probe.ts', '../../shared/http/router'],
    ['infra/probe.ts', '../shared/storage/schema'],
    ['infra/probe.ts', '../shared/http/api-routes'],
    ['infra/probe.ts', '../shared/poller/consumer-config'],
    ['infra/probe.ts', '../shared/groups/group-name'],
    ['shared/poller/consumer-config.ts', '../groups/group-name'],
    ['cli/probe.ts', '../shared/client'],
    ['local/probe.ts', '../shared/http/router'],
    ['console/app/pages/probe.tsx', '../api'],
    ['console/app/probe.ts', 'preact/hooks'],
    ['console/server/probe.ts', '../../shared/http/router'],
    ['cli/probe.ts', '../console/server/assets'],
  ])('lets %s import %s', (path, specifier) => {
    expect(boundaryErrors(path, `import * as m from '${specifier}';\nexport const x = m;\n`)).toEqual([]);
  });
});
