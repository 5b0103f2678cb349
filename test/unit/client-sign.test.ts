import { createSigV4Signer, shouldSign, signingService } from '../../shared/client/sign';
import { createTransport } from '../../shared/client/transport';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('shouldSign', () => {
  it('signs https endpoints other than this machine', () => {
    expect(shouldSign(new URL('https://abc.execute-api.eu-west-1.amazonaws.com/prod'))).toBe(true);
    expect(shouldSign(new URL('https://localhost:8443'))).toBe(false);
    expect(shouldSign(new URL('https://127.0.0.1'))).toBe(false);
    expect(shouldSign(new URL('http://example.com'))).toBe(false);
  });
});

describe('signingService', () => {
  it('is lambda for a function URL host, execute-api for API Gateway and anything else', () => {
    expect(
      signingService(new URL('https://abcdefghij0123456789abcdefghij01.lambda-url.eu-west-1.on.aws/')),
    ).toBe('lambda');
    expect(signingService(new URL('https://X1Y2.LAMBDA-URL.us-gov-west-1.on.aws/v3/clusters'))).toBe(
      'lambda',
    );
    expect(signingService(new URL('https://abc.execute-api.eu-west-1.amazonaws.com/prod'))).toBe(
      'execute-api',
    );
    // Only the function URL's own host shape: look-alikes and custom domains stay execute-api.
    expect(signingService(new URL('https://lambda-url.eu-west-1.on.aws/'))).toBe('execute-api');
    expect(signingService(new URL('https://a.b.lambda-url.eu-west-1.on.aws/'))).toBe('execute-api');
    expect(signingService(new URL('https://abc.lambda-url.eu-west-1.on.aws.example.com/'))).toBe(
      'execute-api',
    );
    expect(signingService(new URL('https://events.example.com/'))).toBe('execute-api');
  });
});

describe('createSigV4Signer', () => {
  it('signs for service lambda when the URL is a function URL', async () => {
    const sign = createSigV4Signer({ region: 'eu-west-1', credentials });
    const toUrl = await sign({
      method: 'POST',
      url: new URL('https://abcdefghij.lambda-url.eu-west-1.on.aws/v3/clusters/c/topics/t/records'),
      headers: { 'content-type': 'application/json' },
      body: '{"value":{"type":"STRING","data":"x"}}',
    });
    expect(toUrl.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, /,
    );
    // The same signer still signs API Gateway requests for execute-api.
    const toApi = await sign({
      method: 'GET',
      url: new URL('https://abc.execute-api.eu-west-1.amazonaws.com/v3/clusters'),
      headers: {},
    });
    expect(toApi.authorization).toMatch(/\/eu-west-1\/execute-api\/aws4_request, /);
  });

  it('signs for the service it is given, whatever the host', async () => {
    const sign = createSigV4Signer({ region: 'eu-west-1', credentials, service: 'execute-api' });
    const headers = await sign({
      method: 'GET',
      url: new URL('https://abcdefghij.lambda-url.eu-west-1.on.aws/v3/clusters'),
      headers: {},
    });
    expect(headers.authorization).toMatch(/\/eu-west-1\/execute-api\/aws4_request, /);
  });

  it('adds a SigV4 authorization for execute-api in the region', async () => {
    const sign = createSigV4Signer({ region: 'eu-west-1', credentials });
    const headers = await sign({
      method: 'POST',
      url: new URL(
        'https://abc.execute-api.eu-west-1.amazonaws.com/prod/v3/clusters/c/topics/t/records:batch?x=1',
      ),
      headers: { 'content-type': 'application/json' },
      body: '{"entries":[]}',
    });
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers['content-type']).toBe('application/json');
    // fetch sets Host itself; sending our own would be refused.
    expect(headers.host).toBeUndefined();
  });

  it('is used by the transport for a deployed endpoint', async () => {
    const seen: Headers[] = [];
    const fakeFetch: typeof fetch = async (_input, init) => {
      seen.push(new Headers(init?.headers));
      return new Response('{"data":[{"cluster_id":"c"}]}', { status: 200 });
    };
    const transport = createTransport({
      url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
      sign: createSigV4Signer({ region: 'eu-west-1', credentials }),
      fetch: fakeFetch,
    });
    expect(await transport.clusterPath()).toBe('/v3/clusters/c');
    expect(seen[0].get('authorization')).toMatch(/^AWS4-HMAC-SHA256 /);
  });
});
