/**
 * `sluice console` through bin/sluice.js in a child process: it serves the console on
 * 127.0.0.1, forwards the page's API calls to --url, signs them with SigV4 from the AWS
 * credential chain when asked (or for https), and keeps the local server's Host check.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/client-server';
import { uniqueName } from '../support/local-aws';

const BIN = join(__dirname, '..', '..', 'bin', 'sluice.js');

/** A running `sluice console` and the address it printed. */
interface ConsoleRun {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
}

const running: ChildProcess[] = [];

async function startConsole(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ConsoleRun> {
  const child = spawn(process.execPath, [BIN, 'console', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const check = (chunk: Buffer) => {
      output += chunk;
      const match = /Sluice console at (http:\/\/\S+)\/console\//.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', (code) => reject(new Error(`sluice console exited with ${code}:\n${output}`)));
  });
  return { url, child, output: () => output };
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** An HTTP server that records what it was sent and answers one fixed JSON body. */
interface Recorder {
  readonly url: string;
  readonly seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const seen: Recorder['seen'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"kind":"KafkaClusterList","data":[{"cluster_id":"recorded"}]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDCONSOLETEST',
  AWS_SECRET_ACCESS_KEY: 'console-test-secret',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
  AWS_REGION: 'eu-west-1',
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(running.map(stop));
  await server.close();
});

describe('sluice console', () => {
  it('serves the console and forwards API calls to a local backbone, unsigned', async () => {
    const run = await startConsole(['--url', server.url]);
    const page = await fetch(`${run.url}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script defer src="app.js">');
    expect((await fetch(`${run.url}/console/app.js`)).status).toBe(200);

    const topic = uniqueName('console-cli').slice(0, 40);
    const created = await fetch(`${run.url}/v3/clusters/local/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: topic, partitions_count: 3 }),
    });
    expect(created.status).toBe(201);
    expect((await server.cluster.topics.get(topic)).partitionCount).toBe(3);
    // The API's own errors come back as they are.
    const again = await fetch(`${run.url}/v3/clusters/local/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: topic }),
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error_code: 40002 });
    expect(run.output()).toContain('unsigned');
    expect(await stop(run.child)).toBe(0);
  });

  it('signs each forwarded call with SigV4 and forwards no browser headers', async () => {
    const recorder = await startRecorder();
    try {
      const run = await startConsole(['--url', `${recorder.url}/prod`, '--sign'], CREDENTIALS);
      const answer = await fetch(`${run.url}/v3/clusters?x=1`, { headers: { cookie: 'session=secret' } });
      expect(await answer.json()).toMatchObject({ data: [{ cluster_id: 'recorded' }] });
      const [call] = recorder.seen;
      expect(call).toMatchObject({ method: 'GET', url: '/prod/v3/clusters?x=1' });
      expect(call.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDCONSOLETEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(call.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
      expect(call.headers.cookie).toBeUndefined();

      // A body is signed too (its hash is part of the signature) and arrives unchanged.
      const body = JSON.stringify({ topic_name: 'signed' });
      await fetch(`${run.url}/v3/clusters/recorded/topics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(recorder.seen[1]).toMatchObject({ method: 'POST', body });
      expect(recorder.seen[1].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
      expect(run.output()).not.toContain(CREDENTIALS.AWS_SECRET_ACCESS_KEY);
      expect(await stop(run.child)).toBe(0);
    } finally {
      await recorder.close();
    }
  });

  it('signs for service lambda when --url is a function URL', async () => {
    const recorder = await startRecorder();
    try {
      const { port } = new URL(recorder.url);
      const functionUrl = `http://abcdefghij.lambda-url.eu-west-1.on.aws:${port}`;
      const run = await startConsole(['--url', functionUrl, '--sign'], {
        ...CREDENTIALS,
        // The function URL's host name reaches the recorder on this machine.
        NODE_OPTIONS: `--require ${join(__dirname, '..', 'support', 'resolve-to-loopback.cjs')}`,
        SLUICE_TEST_LOOPBACK_SUFFIX: '.lambda-url.eu-west-1.on.aws',
      });
      const answer = await fetch(`${run.url}/v3/clusters`);
      expect(await answer.json()).toMatchObject({ data: [{ cluster_id: 'recorded' }] });
      const [call] = recorder.seen;
      expect(call.headers.host).toBe(`abcdefghij.lambda-url.eu-west-1.on.aws:${port}`);
      expect(call.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDCONSOLETEST\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(await stop(run.child)).toBe(0);
    } finally {
      await recorder.close();
    }
  });

  it('refuses requests addressed to another host name, as the local server does', async () => {
    const recorder = await startRecorder();
    try {
      const run = await startConsole(['--url', recorder.url, '--sign'], CREDENTIALS);
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const { port } = new URL(run.url);
        request({
          host: '127.0.0.1',
          port,
          path: '/v3/clusters',
          headers: { host: `rebound.example:${port}` },
        })
          .on('response', (res) => {
            res.resume();
            resolve(res.statusCode);
          })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(403);
      // Nothing was signed or sent on.
      expect(recorder.seen).toHaveLength(0);
      await stop(run.child);
    } finally {
      await recorder.close();
    }
  });

  it('explains a bad --url', async () => {
    const child = spawn(process.execPath, [BIN, 'console', '--url', 'ftp://example.com'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('--url must be an http or https URL, got "ftp://example.com"');
  });
});
