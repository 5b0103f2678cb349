import { detectFormat, fromBase64, recordData, show, textToBase64, toHex } from '../../console/app/decode';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('how the console shows bytes', () => {
  it.each([
    ['{"total":9}', 'json'],
    ['[1,2]', 'json'],
    ['42', 'json'],
    ['"quoted"', 'json'],
    ['plain words', 'text'],
    ['{"not": json', 'text'],
    ['tabs\tand\nnewlines', 'text'],
    ['  ', 'text'],
    ['', 'text'],
    ['héllo ✓', 'text'],
  ])('shows %j as %s', (input, format) => {
    expect(detectFormat(bytes(input))).toBe(format);
  });

  it('shows bytes that are not UTF-8, or carry control characters, as hex', () => {
    expect(detectFormat(new Uint8Array([0xff, 0xfe, 0x00]))).toBe('hex');
    expect(detectFormat(bytes('bell\u0007'))).toBe('hex');
    expect(show(new Uint8Array([0, 255, 1]), 'text')).toEqual({ shownAs: 'hex', text: '00 ff 01' });
  });

  it('pretty-prints JSON, and falls back to text when asked for JSON that is not', () => {
    expect(show(bytes('{"a":[1]}'), 'json')).toEqual({ shownAs: 'json', text: '{\n  "a": [\n    1\n  ]\n}' });
    expect(show(bytes('nope'), 'json')).toEqual({ shownAs: 'text', text: 'nope' });
    expect(show(bytes('{"a":1}'), 'hex').text).toBe('7b 22 61 22 3a 31 7d');
  });

  it('writes hex 16 bytes to a line', () => {
    expect(toHex(new Uint8Array(17).fill(0xab)).split('\n')).toEqual([Array(16).fill('ab').join(' '), 'ab']);
  });

  it("round-trips the API's base64, keeping null for a missing key", () => {
    expect(fromBase64(null)).toBeNull();
    expect(Array.from(fromBase64(textToBase64('héllo ✓')) ?? [])).toEqual(Array.from(bytes('héllo ✓')));
    expect(textToBase64('hi')).toBe(Buffer.from('hi').toString('base64'));
  });

  it('sends a typed value as JSON when it parses, unless asked for text', () => {
    expect(recordData('{"total":9}', 'auto')).toEqual({ type: 'JSON', data: { total: 9 } });
    expect(recordData('hello', 'auto')).toEqual({ type: 'STRING', data: 'hello' });
    expect(recordData('42', 'STRING')).toEqual({ type: 'STRING', data: '42' });
    expect(() => recordData('{broken', 'JSON')).toThrow();
  });
});
