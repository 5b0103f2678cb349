import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalBackbone, startLocalBackbone } from '../support/local-backbone';
import { assertConforms } from '../support/openapi';
import type { Json } from './support/core';

/** Runs `npm start`'s entry point as a real process with its own data directory. */
function startBackbone(dataDir: string) {
  return startLocalBackbone({ dataDir, configFile: join(dataDir, 'sluice.config.json'), command: 'node' });
}

/** SIGTERM to the process, as a supervisor stops it; resolves with its exit code. */
async function stopBackbone(backbone: LocalBackbone): Promise<number | null> {
  return (await backbone.stop('SIGTERM', 'process')).code;
}

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const requestBody = body === undefined ? '' : JSON.stringify(body);
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : requestBody,
  });
  const text = await response.text();
  assertConforms({
    method,
    path: new URL(`${url}${path}`).pathname,
    request: { contentType: 'application/json', body: requestBody },
    status: response.status,
    contentType: response.headers.get('content-type') ?? undefined,
    body: text,
  });
  return { status: response.status, body: JSON.parse(text) };
}

describe('restarting the local backbone', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-restart-'));
    // The app's declarations: a topic, and a consumer whose handler notes what it sees.
    await writeFile(
      join(dataDir, 'sluice.config.json'),
      JSON.stringify({
        topics: [{ name: 'declared', partitions: 1 }],
        consumers: [{ group: 'noter', topics: ['declared'], handler: 'noter.js', maxBatchingWindowMs: 50 }],
      }),
    );
    await writeFile(
      join(dataDir, 'noter.js'),
      `const { appendFileSync } = require('node:fs');
exports.handler = async (event) => {
  for (const records of Object.values(event.records)) {
    for (const r of records) appendFileSync(__dirname + '/seen.txt', Buffer.from(r.value, 'base64').toString() + '\\n');
  }
};`,
    );
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every topic and record, and offsets continue where they stopped', async () => {
    const first = await startBackbone(dataDir);
    try {
      expect(
        (
          await call(first.url, 'POST', '/v3/clusters/local/topics', {
            topic_name: 'kept',
            partitions_count: 2,
          })
        ).status,
      ).toBe(201);
      for (const n of [0, 1, 2]) {
        const produced = await call(first.url, 'POST', '/v3/clusters/local/topics/kept/records', {
          partition_id: 1,
          value: { type: 'STRING', data: `before-${n}` },
        });
        expect(produced.body.offset).toBe(n);
      }
    } finally {
      expect(await stopBackbone(first)).toBe(0);
    }

    const second = await startBackbone(dataDir);
    try {
      const topics = await call(second.url, 'GET', '/v3/clusters/local/topics');
      expect(topics.body.data.map((t: { topic_name: string }) => t.topic_name).sort()).toEqual([
        'declared',
        'kept',
      ]);
      const produced = await call(second.url, 'POST', '/v3/clusters/local/topics/kept/records', {
        partition_id: 1,
        value: { type: 'STRING', data: 'after' },
      });
      expect(produced.body.offset).toBe(3);
      const read = await call(
        second.url,
        'GET',
        '/v3/clusters/local/topics/kept/partitions/1/records?offset=0',
      );
      expect(
        read.body.records.map((r: { value: string }) => Buffer.from(r.value, 'base64').toString()),
      ).toEqual(['before-0', 'before-1', 'before-2', 'after']);
    } finally {
      expect(await stopBackbone(second)).toBe(0);
    }
  }, 180_000);

  it('runs the consumer groups declared in the app config', async () => {
    const backbone = await startBackbone(dataDir);
    try {
      await call(backbone.url, 'POST', '/v3/clusters/local/topics/declared/records', {
        value: { type: 'STRING', data: 'hello consumer' },
      });
      const seen = join(dataDir, 'seen.txt');
      for (let i = 0; i < 300; i++) {
        const text = await readFile(seen, 'utf8').catch(() => '');
        if (text.includes('hello consumer')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await readFile(seen, 'utf8')).toBe('hello consumer\n');
      // The commit follows the handler's success: wait for it, boundedly.
      let lag = -1;
      for (let i = 0; i < 100 && lag !== 0; i++) {
        const summary = await call(
          backbone.url,
          'GET',
          '/v3/clusters/local/consumer-groups/noter/lag-summary',
        );
        lag = summary.body.total_lag;
        if (lag !== 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(lag).toBe(0);
      // The declared group is its poller's: an HTTP member may not join it (docs/security.md).
      const joined = await call(backbone.url, 'POST', '/v3/clusters/local/consumer-groups/noter/members', {
        topics: ['declared'],
      });
      expect([joined.status, joined.body.error_code]).toEqual([403, 40302]);
      const other = await call(
        backbone.url,
        'POST',
        '/v3/clusters/local/consumer-groups/not-declared/members',
        {
          topics: ['declared'],
        },
      );
      expect(other.status).toBe(200);
    } finally {
      expect(await stopBackbone(backbone)).toBe(0);
    }
  }, 120_000);
});
