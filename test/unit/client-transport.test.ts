import { ConnectionError, ServerError } from '../../shared/client/errors';
import { createTransport } from '../../shared/client/transport';
import { NotFoundError, UnavailableError } from '../../shared/errors';

function fakeFetch(answers: (() => Response | Error)[], urls: string[] = []): typeof fetch {
  return async (input) => {
    urls.push(String(input));
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    const answer = next();
    if (answer instanceof Error) throw answer;
    return answer;
  };
}

const json = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status });

describe('createTransport', () => {
  it('joins the base path, encodes the query and parses JSON', async () => {
    const urls: string[] = [];
    const transport = createTransport({
      url: 'http://h:1/base/',
      fetch: fakeFetch([json(200, { a: 1 })], urls),
    });
    const response = await transport.send({
      method: 'GET',
      path: '/x/y',
      query: { offset: '5', skip: undefined },
    });
    expect(response).toEqual({ status: 200, body: { a: 1 } });
    expect(urls).toEqual(['http://h:1/base/x/y?offset=5']);
  });

  it('retries 503 and network errors, then succeeds', async () => {
    const transport = createTransport({
      url: 'http://h',
      retry: { initialRetryTime: 1 },
      fetch: fakeFetch([
        json(503, { error_code: 50003, message: 'busy' }),
        () => new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }),
        () => new Response(null, { status: 204 }),
      ]),
    });
    expect(await transport.request({ method: 'DELETE', path: '/t' })).toEqual({
      status: 204,
      body: undefined,
    });
  });

  it('does not retry a client error', async () => {
    const transport = createTransport({
      url: 'http://h',
      fetch: fakeFetch([json(404, { error_code: 40401, message: 'Topic "t" does not exist.' })]),
    });
    const error = await transport.request({ method: 'GET', path: '/t' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).errorCode).toBe(40401);
  });

  it('reports an unreachable server as a ConnectionError that names the URL', async () => {
    const transport = createTransport({
      url: 'http://h:9',
      retry: { retries: 0 },
      fetch: fakeFetch([() => new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })]),
    });
    const error = await transport.request({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/http:\/\/h:9 \(ECONNREFUSED\)/);
  });

  it('maps a gateway answer that is not JSON', async () => {
    const transport = createTransport({
      url: 'http://h',
      fetch: fakeFetch([() => new Response('Bad Gateway', { status: 502 })]),
    });
    const error = await transport.send({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as Error).message).toBe('Bad Gateway');
  });

  it('asks for the cluster id once, and again after a failure', async () => {
    const urls: string[] = [];
    const transport = createTransport({
      url: 'http://h',
      retry: { retries: 0 },
      fetch: fakeFetch(
        [json(503, { error_code: 50003, message: 'x' }), json(200, { data: [{ cluster_id: 'local' }] })],
        urls,
      ),
    });
    await expect(transport.clusterPath()).rejects.toBeInstanceOf(UnavailableError);
    expect(await transport.clusterPath()).toBe('/v3/clusters/local');
    expect(await transport.clusterPath()).toBe('/v3/clusters/local');
    expect(urls).toHaveLength(2);
  });
});
