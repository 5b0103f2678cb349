#!/usr/bin/env node
// Launches the TypeScript CLI through tsx's require hook, so `npx sluice` and `npm link`
// work from a checkout with no build step.

require('tsx/cjs');
const { main } = require('../cli/index.ts');

// Ctrl-C / SIGTERM end long-running commands (consume, run-consumer) cleanly: they see the
// abort, finish the record in hand, commit and leave. A second signal exits at once.
const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    controller.abort();
    process.once(signal, () => process.exit(130));
  });
}

main(process.argv.slice(2), {
  // Touch process.stdin only when a command reads it: opening it can hold the process open.
  stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
