import fc from 'fast-check';
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

  it('counts a string, number or literal at the top level as a document of its own', () => {
    expect(parseJsonStream(request('{"a":1} "x}{" 12 -1.5e3 true null{"b":2}'))).toEqual([
      { a: 1 },
      'x}{',
      12,
      -1500,
      true,
      null,
      { b: 2 },
    ]);
    expect(parseJsonStream(request('"only"'))).toEqual(['only']);
  });

  it.each(['{"a":1', '{"a":1} x', '', '   ', '{"a":}', '{"a":1}}', '"open', '12x'])('refuses %j', (body) => {
    expect(() => parseJsonStream(request(body))).toThrow();
  });
});

describe('strict base64', () => {
  it('decodes standard base64 and refuses what Node would silently skip', () => {
    expect(decodeBase64('aGk=', 'v').toString()).toBe('hi');
    expect(decodeBase64('', 'v').length).toBe(0);
    for (const bad of ['aGk', 'a=Gk', 'aG!k', '****', 'aG-k', 'aG_k', 'aGk=aGk=']) {
      expect(() => decodeBase64(bad, 'v')).toThrow('base64');
    }
  });

  it('accepts whitespace and non-zero padding bits, like the regular expression always did', () => {
    expect(decodeBase64('aG\nk=', 'v').toString()).toBe('hi');
    expect(decodeBase64(' aGl= ', 'v').toString()).toBe('hi');
  });

  it('decodes any bytes from their canonical encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        expect(decodeBase64(buffer.toString('base64'), 'v')).toEqual(buffer);
      }),
    );
  });

  it('accepts and refuses exactly what the strict regular expression does', () => {
    const strict = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    const chars = fc.constantFrom(...'AQgwz09+/=-_ !\né'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 24 }), (text) => {
        const compact = text.replace(/\s+/g, '');
        if (strict.test(compact)) expect(decodeBase64(text, 'v')).toEqual(Buffer.from(compact, 'base64'));
        else expect(() => decodeBase64(text, 'v')).toThrow('base64');
      }),
      { numRuns: 2000 },
    );
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
