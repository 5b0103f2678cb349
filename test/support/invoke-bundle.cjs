// Runs one invocation of a bundled Lambda handler the way the Node.js runtime does: a plain
// Node process (no tsx, no jest) requires the asset's module, calls the exported handler with
// the event and a context, and reports the outcome. Used by test/support/lambda-bundles.ts.
//
// Usage: node invoke-bundle.cjs <asset dir> <module.export> <event file> <result file> <timeout ms>
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { randomUUID } = require('node:crypto');

const [assetDir, handlerSpec, eventFile, resultFile, timeoutMs] = process.argv.slice(2);
const dot = handlerSpec.lastIndexOf('.');
const moduleName = handlerSpec.slice(0, dot);
const exportName = handlerSpec.slice(dot + 1);
const deadline = Date.now() + Number(timeoutMs);
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';

const context = {
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'local',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};

const started = Date.now();
let loaded = { wallMs: 0, cpuMs: 0 };
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function finish(outcome) {
  // What the invocation cost the process: load (the cold start) and in all.
  const usage = {
    loadWallMs: loaded.wallMs,
    loadCpuMs: loaded.cpuMs,
    wallMs: Date.now() - started,
    cpuMs: cpuMs(),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  fs.writeFileSync(resultFile, JSON.stringify({ ...outcome, usage }));
  // Lambda freezes the sandbox after the answer; open sockets must not keep this process alive.
  process.exit(0);
}

Promise.resolve()
  .then(() => {
    const handler = require(path.join(assetDir, `${moduleName}.js`))[exportName];
    if (typeof handler !== 'function') throw new TypeError(`${handlerSpec} is not a function`);
    loaded = { wallMs: Date.now() - started, cpuMs: cpuMs() };
    return handler(JSON.parse(fs.readFileSync(eventFile, 'utf8')), context);
  })
  .then(
    (result) => finish({ ok: true, result: result === undefined ? null : result }),
    (error) =>
      finish({
        ok: false,
        errorType: error?.name || 'Error',
        errorMessage: error?.message || String(error),
      }),
  );
