/**
 * A diagnostic beside `npm run bench` (it is not part of it): how close can ANY produce server
 * get to the raw chain on this rig, and where does Sluice's extra CPU go? Four kinds of
 * rounds, rotated so that each kind runs in each position equally often, `--rounds` of each
 * (default 8), 2 s each:
 *
 * - `chain`: the raw `sequenced` chain in the server worker, 16 writers (as `npm run bench`);
 * - `http-chain`: the same chain behind a node:http server in the server worker that only
 *   reads the body and answers a fixed `records:batch` answer, driven by the same load
 *   generator as Sluice (`chainServe` in `bench/worker.ts`);
 * - `api-chain`: as `http-chain`, but each request first goes through Sluice's real HTTP API
 *   over storage that does nothing (parsing, validation, encoding, bookkeeping, the answer);
 * - `sluice`: `records:batch` through the real HTTP API, as `npm run bench`.
 *
 * `http-chain ÷ chain` is the ceiling of `produce.ratioToChain` on this machine for a server
 * that does nothing but HTTP; `api-chain` minus `http-chain` is Sluice's own request work,
 * and `sluice` minus `api-chain` what its storage path costs beyond the chain's calls.
 * Prints the median round rate of each kind, the ratios, and the server worker's CPU per
 * operation. Run: `node --import tsx bench/http-floor.ts [--rounds N]`.
 */
import { loadavg } from 'node:os';
import { startHarness } from './harness';
import { batchBody, createTopic, topicUrls } from './http-client';
import { QUICK_PLAN } from './plan';
import { quietSdkWarnings } from './quiet';
import { medianRound } from './rounds';

quietSdkWarnings();

type Kind = 'chain' | 'http-chain' | 'api-chain' | 'sluice';
const KINDS: readonly Kind[] = ['chain', 'http-chain', 'api-chain', 'sluice'];
/** A Latin square: each kind runs in each position once per four rotations. */
const ORDERS: readonly (readonly Kind[])[] = [
  ['chain', 'http-chain', 'api-chain', 'sluice'],
  ['sluice', 'chain', 'http-chain', 'api-chain'],
  ['api-chain', 'sluice', 'chain', 'http-chain'],
  ['http-chain', 'api-chain', 'sluice', 'chain'],
];

async function main(): Promise<void> {
  const at = process.argv.indexOf('--rounds');
  const rounds = at > 0 ? Number(process.argv[at + 1]) : 8;
  const plan = QUICK_PLAN;
  const harness = await startHarness();
  try {
    const { server, load } = harness;
    const single = {
      concurrency: plan.concurrency,
      recordsPerRequest: plan.recordsPerRequest,
      recordBytes: plan.recordBytes,
    };
    await server.call('s3Put', { ...single, total: plan.warmupOps, maxMs: plan.warmupMaxMs });
    await server.call('dynamodbPut', { ...single, total: plan.warmupOps, maxMs: plan.warmupMaxMs / 2 });

    const topic = 'bench-http-floor';
    await createTopic(harness.baseUrl, harness.config.clusterId, topic, plan.concurrency);
    const { batch: url } = topicUrls(harness.baseUrl, harness.config.clusterId, topic);
    const bodies = Array.from({ length: plan.concurrency }, (_, p) =>
      batchBody(plan.recordsPerRequest, plan.recordBytes, p),
    );
    const answer = await (
      await fetch(url, { method: 'POST', body: bodies[0], headers: { 'content-type': 'application/json' } })
    ).text();

    const pool = 'http-floor';
    await server.call('chainOpen', {
      pool,
      writers: plan.concurrency,
      clientPerWriter: false,
      sharedPartition: false,
      recordsPerAppend: plan.recordsPerRequest,
      recordsPerSegment: plan.recordsPerRequest,
      recordBytes: plan.recordBytes,
    });
    try {
      const { url: chainBase } = await server.call('chainServe', {
        pool,
        kind: 'sequenced',
        writers: plan.concurrency,
        answer,
      });
      const limits = { total: plan.produceRequests, maxMs: plan.produceRoundMs };
      const run: Record<
        Kind,
        () => Promise<{ ok: number; failed: number; opsPerSec: number; firstError?: string }>
      > = {
        chain: () => server.call('chainRound', { pool, kind: 'sequenced', ...limits }),
        'http-chain': () =>
          load.call('produce', {
            url: `${chainBase}/chain`,
            bodies,
            concurrency: plan.concurrency,
            ...limits,
          }),
        'api-chain': () =>
          load.call('produce', {
            url: `${chainBase}/api-chain`,
            bodies,
            concurrency: plan.concurrency,
            ...limits,
          }),
        sluice: () => load.call('produce', { url, bodies, concurrency: plan.concurrency, ...limits }),
      };
      for (const kind of KINDS) await run[kind](); // warm each
      const results: Record<Kind, { opsPerSec: number; ok: number; cpuUs: number }[]> = {
        chain: [],
        'http-chain': [],
        'api-chain': [],
        sluice: [],
      };
      const loads: number[] = [];
      const gcs: Record<Kind, number> = { chain: 0, 'http-chain': 0, 'api-chain': 0, sluice: 0 };
      for (let r = 0; r < rounds; r++) {
        for (const kind of ORDERS[r % ORDERS.length]) {
          const before = await server.call('cpu');
          const gcBefore = await server.call('gcMicros');
          const round = await run[kind]();
          const cpuUs = (await server.call('cpu')) - before;
          gcs[kind] += (await server.call('gcMicros')) - gcBefore;
          if (round.failed > 0) throw new Error(`${kind}: ${round.failed} failed: ${round.firstError}`);
          results[kind].push({ opsPerSec: round.opsPerSec, ok: round.ok, cpuUs });
        }
        loads.push(loadavg()[0]);
      }
      const chain = medianRound(results.chain).opsPerSec;
      const httpChain = medianRound(results['http-chain']).opsPerSec;
      const cpu = (kind: Kind) =>
        results[kind].reduce((s, x) => s + x.cpuUs, 0) / results[kind].reduce((s, x) => s + x.ok, 0);
      for (const kind of KINDS) {
        const median = medianRound(results[kind]).opsPerSec;
        console.log(
          `${kind.padEnd(10)} median ${median.toFixed(1)}/s  ÷ chain ${(median / chain).toFixed(2)}  ÷ http-chain ${(median / httpChain).toFixed(2)}  server CPU ${cpu(kind).toFixed(0)} µs/op (÷ chain ${(cpu(kind) / cpu('chain')).toFixed(2)})  gc ${(gcs[kind] / results[kind].reduce((s, x) => s + x.ok, 0)).toFixed(0)} µs/op  rounds ${results[kind].map((x) => x.opsPerSec.toFixed(0)).join(' ')}`,
        );
      }
      console.log(`load average (1 min) after each rotation: ${loads.map((l) => l.toFixed(1)).join(' ')}`);
    } finally {
      await server.call('chainClose', pool);
    }
  } finally {
    await harness.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
