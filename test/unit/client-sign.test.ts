import { createSigV4Signer, shouldSign } from '../../shared/client/sign';
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

describe('createSigV4Signer', () => {
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
