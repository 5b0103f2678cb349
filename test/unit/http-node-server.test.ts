import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
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
      const answer = await send(port, '/x', chunks);
      expect(answer).toMatchObject({ status: 413, body: 'too long' });
      expect(seen[0].body.length).toBeGreaterThan(10);
    } finally {
      server.close();
    }
  });
});
