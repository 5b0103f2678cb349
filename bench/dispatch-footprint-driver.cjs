// Runs the stream dispatcher's deployed bundle in this plain Node process (no tsx), as Lambda
// runs it: one cold dispatch, then warm ones, each of one new slot. Prints what it used.
// Used by bench/dispatch-footprint.ts.
//
// Usage: node dispatch-footprint-driver.cjs <asset dir> <topic id> <dispatches>
'use strict';
const path = require('node:path');

const [assetDir, topicId, count] = process.argv.slice(2);
const dispatches = Number(count);
const event = (i) => ({
  Records: [
    {
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: { Keys: { pk: { S: `${topicId}#${i % 4}` }, sk: { N: String(i + 1) } } },
    },
  ],
});

(async () => {
  const started = Date.now();
  const { handler } = require(path.join(assetDir, 'index.js'));
  await handler(event(0));
  const coldMs = Date.now() - started;
  let peakRss = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const warmStarted = Date.now();
  for (let i = 1; i <= dispatches; i++) {
    await handler(event(i));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(
    `${JSON.stringify({
      coldFirstDispatchMs: coldMs,
      warmCpuMsPerDispatch: Number(((cpu.user + cpu.system) / 1000 / dispatches).toFixed(2)),
      warmWallMsPerDispatch: Number(((Date.now() - warmStarted) / dispatches).toFixed(2)),
      peakRssMb: Number((peakRss / 2 ** 20).toFixed(1)),
    })}\n`,
  );
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
