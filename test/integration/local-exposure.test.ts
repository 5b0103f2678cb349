import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DYNAMODB_LOCAL_CORS_ORIGIN } from '../../local/emulators/dynamodb-local';
import { type LocalAws, startLocalAws } from '../../local/emulators/local-aws';
import { javaAvailable } from '../support/local-aws';

/** One listening TCP socket, read from /proc/net/tcp{,6}. */
interface Listener {
  readonly address: string;
  readonly port: number;
}

/** Decodes /proc/net/tcp's hex address (IPv4 and IPv6 both stored in host-order 32-bit words). */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.every((b) => b === 0)) return '::';
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1) return '::1';
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

function listeners(): Listener[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A')
      .map((fields) => {
        const [hex, port] = fields[1].split(':');
        return { address: decodeAddress(hex), port: Number.parseInt(port, 16) };
      }),
  );
}

function addressesOf(endpoint: string): string[] {
  const port = Number(new URL(endpoint).port);
  return [
    ...new Set(
      listeners()
        .filter((l) => l.port === port)
        .map((l) => l.address),
    ),
  ].sort();
}

/** An IPv4 address of this machine that is not loopback, if it has one. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((info) => info && info.family === 'IPv4' && !info.internal)?.address;

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function send(
  endpoint: string,
  options: { method: string; path?: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, unknown> }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path ?? '/',
        headers: options.headers,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Neither emulator checks signatures, but DynamoDB Local wants one to be there. */
const SIGNED =
  'AWS4-HMAC-SHA256 Credential=sluice/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';

const onLinux = process.platform === 'linux';
const describeLocal = javaAvailable() && onLinux ? describe : describe.skip;

describeLocal('what the local backbone exposes', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
  }, 90_000);
  afterAll(() => aws?.stop());

  it('the edge and s3rver listen on 127.0.0.1 only', () => {
    expect(addressesOf(aws.endpoint)).toEqual(['127.0.0.1']);
    expect(addressesOf(aws.emulators.s3)).toEqual(['127.0.0.1']);
  });

  it('DynamoDB Local listens on the wildcard address: it has no option to choose (docs/security.md)', () => {
    // If a DynamoDB Local release gains a bind option, this fails: use it and update the docs.
    const addresses = addressesOf(aws.emulators.dynamodb);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((address) => address === '::' || address === '0.0.0.0')).toBe(true);
  });

  (externalAddress ? it : it.skip)(
    'the edge and s3rver cannot be reached on a non-loopback address',
    async () => {
      const address = externalAddress as string;
      expect(await canConnect(address, Number(new URL(aws.endpoint).port))).toBe(false);
      expect(await canConnect(address, Number(new URL(aws.emulators.s3).port))).toBe(false);
      // The control: the same probe reaches a socket that does listen there.
      expect(await canConnect(address, Number(new URL(aws.emulators.dynamodb).port))).toBe(true);
    },
  );

  it.each([
    ['a foreign origin', 'https://evil.example'],
    ['a sandboxed page', 'null'],
    ['a page on this machine', 'http://127.0.0.1:8080'],
  ])('DynamoDB Local allows %s no CORS access', async (_what, origin) => {
    const preflight = await send(aws.emulators.dynamodb, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target,authorization',
      },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const listTables = await send(aws.emulators.dynamodb, {
      method: 'POST',
      headers: {
        origin,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization: SIGNED,
      },
      body: '{}',
    });
    expect(listTables.status).toBe(200);
    expect(listTables.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('DynamoDB Local allows only an origin no page can have', async () => {
    // Shows the allow-list is in force (its default is every origin), not that CORS is broken.
    const preflight = await send(aws.emulators.dynamodb, {
      method: 'OPTIONS',
      headers: { origin: DYNAMODB_LOCAL_CORS_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBe(DYNAMODB_LOCAL_CORS_ORIGIN);
    expect(new URL(DYNAMODB_LOCAL_CORS_ORIGIN).hostname.endsWith('.invalid')).toBe(true);
  });

  it('s3rver and the edge answer no CORS preflight from a foreign origin', async () => {
    const headers = { origin: 'https://evil.example', 'access-control-request-method': 'PUT' };
    const s3 = await send(aws.emulators.s3, { method: 'OPTIONS', path: '/any-bucket/key', headers });
    expect(s3.headers['access-control-allow-origin']).toBeUndefined();
    const edge = await send(aws.endpoint, { method: 'OPTIONS', path: '/any-bucket/key', headers });
    expect(edge.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('the edge refuses a request addressed to another host name (DNS rebinding)', async () => {
    const port = new URL(aws.endpoint).port;
    const listTables = (host: string) =>
      send(aws.endpoint, {
        method: 'POST',
        headers: {
          host,
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization: SIGNED,
        },
        body: '{}',
      });
    expect((await listTables(`rebind.example:${port}`)).status).toBe(403);
    expect((await listTables('127.0.0.1')).status).toBe(403);
    expect((await listTables(`127.0.0.1:${port}`)).status).toBe(200);
    expect((await listTables(`localhost:${port}`)).status).toBe(200);
  });
});
