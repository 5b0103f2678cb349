import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { createNodeServer } from '../../shared/http/node-server';
import type { HttpRequest, HttpResponse } from '../../shared/http/types';

/** A server whose API records what it was given and answers `answer`. */
async function serve(answer: HttpResponse, maxRequestBytes = 1_000) {
  const seen: HttpRequest[] = [];
  const server = createNodeServer({
    api: async (req) => {
      seen.push(req);
      return answer;
    },
    maxRequestBytes,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, port, seen };
}

/** Sends `chunks` as the body, one write each, and reads the whole answer. */
function send(port: number, path: string, chunks: string[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString(),
          }),
        );
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    },
  );
}

describe('the node server', () => {
  it('passes method, path, query, headers and the whole body to the API', async () => {
    const { server, port, seen } = await serve({
      status: 207,
      headers: { 'content-type': 'application/json' },
      body: '{"é":1}',
    });
    try {
      const answer = await send(port, '/v3/a%20b/c?x=1&y=%C3%A9&x=2', ['{"a":', '"bc"', '}'], {
        'X-Thing': 'yes',
        'Content-Type': 'application/json',
      });
      expect(answer).toMatchObject({ status: 207, body: '{"é":1}' });
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['content-length']).toBe(String(Buffer.byteLength('{"é":1}')));
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        method: 'POST',
        path: '/v3/a%20b/c',
        query: { x: '2', y: 'é' },
      });
      expect(seen[0].headers['x-thing']).toBe('yes');
      expect(seen[0].body.toString()).toBe('{"a":"bc"}');
    } finally {
      server.close();
    }
  });

  it('hands over an empty body as an empty buffer', async () => {
    const { server, port, seen } = await serve({ status: 204, headers: {}, body: '' });
    try {
      const answer = await send(port, '/x', []);
      expect(answer.status).toBe(204);
      expect(seen[0].body).toEqual(Buffer.alloc(0));
    } finally {
      server.close();
    }
  });

  it('drains a body over the limit and still hands the API more than the limit', async () => {
    const { server, port, seen } = await serve({ status: 413, headers: {}, body: 'too long' }, 10);
    try {
      const chunks = Array.from({ length: 50 }, () => 'x'.repeat(1_000));
      const answer = await send(port, '/x', chunks, { 'Content-Type': 'application/json' });
      expect(answer).toMatchObject({ status: 413, body: 'too long' });
      expect(seen[0].body.length).toBeGreaterThan(10);
    } finally {
      server.close();
    }
  });
});

/** Sends raw bytes and reads until the server closes the connection (`Connection: close`). */
function raw(port: number, bytes: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('data', (part: Buffer) => parts.push(part));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(parts).toString();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.end(bytes);
  });
}

function rawRequest(
  port: number,
  lines: { target?: string; method?: string; headers: string[]; body?: string },
) {
  const body = lines.body ?? '';
  const head = [
    `${lines.method ?? 'POST'} ${lines.target ?? '/x'} HTTP/1.1`,
    ...lines.headers,
    'Connection: close',
    ...(body === '' ? [] : [`Content-Length: ${Buffer.byteLength(body)}`]),
  ];
  return raw(port, `${head.join('\r\n')}\r\n\r\n${body}`);
}

const OK: HttpResponse = { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' };

describe('the node server keeps to this machine', () => {
  it.each([
    ['a name that resolves to 127.0.0.1 (DNS rebinding)', (port: number) => `rebind.example:${port}`],
    ['a loopback name on another port', (port: number) => `127.0.0.1:${port + 1}`],
    ['a loopback name without the port', () => 'localhost'],
    ['this machine on another interface', (port: number) => `10.0.0.1:${port}`],
    ['no host at all', () => ''],
  ])('refuses a Host header naming %s with 403 and a JSON error', async (_what, host) => {
    const { server, port, seen } = await serve(OK);
    try {
      const answer = await rawRequest(port, {
        headers: [`Host: ${host(port)}`, 'Content-Type: application/json'],
        body: '{}',
      });
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ error_code: 40301 });
      expect(seen).toHaveLength(0);
    } finally {
      server.close();
    }
  });

  it.each(['127.0.0.1', 'localhost', 'LOCALHOST', '[::1]'])('serves Host %s with its port', async (name) => {
    const { server, port, seen } = await serve(OK);
    try {
      const answer = await rawRequest(port, { method: 'GET', headers: [`Host: ${name}:${port}`] });
      expect(answer.status).toBe(200);
      expect(seen).toHaveLength(1);
    } finally {
      server.close();
    }
  });

  it('refuses a request a page of another origin sends, and serves its own origin', async () => {
    const { server, port, seen } = await serve(OK);
    try {
      const host = `Host: 127.0.0.1:${port}`;
      const json = 'Content-Type: application/json';
      const foreign = await rawRequest(port, {
        headers: [host, json, 'Origin: https://evil.example'],
        body: '{}',
      });
      expect(foreign.status).toBe(403);
      expect(JSON.parse(foreign.body)).toMatchObject({ error_code: 40301 });
      const sandboxed = await rawRequest(port, { headers: [host, json, 'Origin: null'], body: '{}' });
      expect(sandboxed.status).toBe(403);
      expect(seen).toHaveLength(0);
      const own = await rawRequest(port, {
        headers: [host, json, `Origin: http://localhost:${port}`],
        body: '{}',
      });
      expect(own.status).toBe(200);
      expect(seen).toHaveLength(1);
    } finally {
      server.close();
    }
  });

  it.each([
    ['text/plain', '{"records":[]}'],
    ['text/plain;charset=UTF-8', '{}'],
    ['application/x-www-form-urlencoded', 'a=1'],
    ['application/x-www-form-urlencoded', ''],
    ['multipart/form-data; boundary=x', '--x--'],
  ])('refuses a cross-site form type %s (body %j) with 415 before any route', async (type, body) => {
    const { server, port, seen } = await serve(OK);
    try {
      const answer = await rawRequest(port, {
        headers: [`Host: 127.0.0.1:${port}`, `Content-Type: ${type}`],
        body,
      });
      expect(answer.status).toBe(415);
      expect(JSON.parse(answer.body)).toMatchObject({ error_code: 41501 });
      expect(seen).toHaveLength(0);
    } finally {
      server.close();
    }
  });

  it('refuses a body without a Content-Type, and serves JSON types and bodiless requests', async () => {
    const { server, port, seen } = await serve(OK);
    try {
      const host = `Host: 127.0.0.1:${port}`;
      const untyped = await rawRequest(port, { headers: [host], body: '{}' });
      expect(untyped.status).toBe(415);
      expect(seen).toHaveLength(0);
      for (const type of [
        'application/json',
        'application/json; charset=utf-8',
        'application/vnd.kafka.json.v2+json',
        'application/vnd.kafka.binary.v2+json',
      ]) {
        expect(
          (await rawRequest(port, { headers: [host, `Content-Type: ${type}`], body: '{}' })).status,
        ).toBe(200);
      }
      expect((await rawRequest(port, { method: 'DELETE', headers: [host] })).status).toBe(200);
      expect(seen).toHaveLength(5);
    } finally {
      server.close();
    }
  });

  it('passes everything on when both checks are turned off', async () => {
    const seen: HttpRequest[] = [];
    const server = createNodeServer({
      api: async (req) => {
        seen.push(req);
        return OK;
      },
      maxRequestBytes: 1_000,
      loopbackOnly: false,
      requireJsonContentType: false,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const answer = await rawRequest(port, {
        headers: ['Host: behind-a-proxy.example', 'Content-Type: text/plain'],
        body: 'x',
      });
      expect(answer.status).toBe(200);
      expect(seen).toHaveLength(1);
    } finally {
      server.close();
    }
  });

  it.each(['//', '//evil.example/v3/clusters', 'http://[', '*'])(
    'answers the request target %s with 400 and a JSON error',
    async (target) => {
      const { server, port, seen } = await serve(OK);
      try {
        const answer = await rawRequest(port, {
          method: 'GET',
          target,
          headers: [`Host: 127.0.0.1:${port}`],
        });
        expect(answer.status).toBe(400);
        expect(JSON.parse(answer.body)).toMatchObject({ error_code: 40003 });
        expect(seen).toHaveLength(0);
      } finally {
        server.close();
      }
    },
  );

  it('answers 500 with a JSON error when the API itself throws', async () => {
    const server = createNodeServer({
      api: async () => {
        throw new Error('boom');
      },
      maxRequestBytes: 1_000,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const answer = await rawRequest(port, { method: 'GET', headers: [`Host: 127.0.0.1:${port}`] });
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toMatchObject({ error_code: 50001 });
      expect(answer.body).not.toContain('boom');
    } finally {
      server.close();
    }
  });
});

/**
 * The server in a plain Node process, as `npm start` runs it: an unhandled rejection there
 * ends the process, which jest's own handlers would hide in-process.
 */
const SERVER_SCRIPT = `
require('tsx/cjs');
const { createNodeServer } = require(process.env.NODE_SERVER_MODULE);
const server = createNodeServer({
  api: async (request) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: request.path }) }),
  maxRequestBytes: 1000,
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

describe('the node server in its own process', () => {
  it('survives clients that reset mid-body and malformed request targets, then still serves', async () => {
    const child = spawn(process.execPath, ['-e', SERVER_SCRIPT], {
      env: { ...process.env, NODE_SERVER_MODULE: join(__dirname, '../../shared/http/node-server.ts') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (part: Buffer) => {
      stderr += part.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.once('data', (part: Buffer) => resolve(Number(part.toString().trim())));
        child.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
      });
      const host = `Host: 127.0.0.1:${port}`;
      for (let i = 0; i < 5; i++) {
        // Headers promise 100 bytes; 10 arrive, then the client resets the connection.
        await new Promise<void>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(
              `POST /x HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":"bcd"`,
              () => {
                socket.resetAndDestroy();
                resolve();
              },
            );
          });
          socket.on('error', reject);
        });
      }
      const malformed = await rawRequest(port, { method: 'GET', target: '//', headers: [host] });
      expect(malformed.status).toBe(400);
      const answer = await rawRequest(port, { method: 'GET', target: '/still/here', headers: [host] });
      expect(answer).toEqual({ status: 200, body: '{"path":"/still/here"}' });
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
      await exited;
    }
    expect(stderr).toBe('');
  });
});
