import { decodeBase64, parseJsonStream, parseNonNegativeInteger } from '../../shared/http/body';
import type { HttpRequest } from '../../shared/http/types';

const request = (body: string): HttpRequest => ({
  method: 'POST',
  path: '/',
  query: {},
  headers: {},
  body: Buffer.from(body),
});

describe('concatenated JSON bodies', () => {
  it('splits documents, ignoring braces inside strings', () => {
    expect(parseJsonStream(request('{"a":"}{"} \n{"b":[1,{"c":"\\"}"}]}'))).toEqual([
      { a: '}{' },
      { b: [1, { c: '"}' }] },
    ]);
  });

  it.each(['{"a":1', '{"a":1} x', '', '   ', '{"a":}'])('refuses %j', (body) => {
    expect(() => parseJsonStream(request(body))).toThrow();
  });
});

describe('strict base64', () => {
  it('decodes standard base64 and refuses what Node would silently skip', () => {
    expect(decodeBase64('aGk=', 'v').toString()).toBe('hi');
    expect(decodeBase64('', 'v').length).toBe(0);
    for (const bad of ['aGk', 'a=Gk', 'aG!k', '****']) expect(() => decodeBase64(bad, 'v')).toThrow('base64');
  });
});

describe('offsets as numbers or decimal strings', () => {
  it('accepts both, up to 2^53 - 1', () => {
    expect(parseNonNegativeInteger(5, 'offset')).toBe(5);
    expect(parseNonNegativeInteger('9007199254740991', 'offset')).toBe(9007199254740991);
  });

  it.each([-1, 1.5, '9007199254740992', 'abc', '', null])('refuses %j', (value) => {
    expect(() => parseNonNegativeInteger(value, 'offset')).toThrow('non-negative integer');
  });
});
