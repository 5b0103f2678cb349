/**
 * How the console shows bytes: as pretty JSON when they are JSON, as text when they are
 * printable UTF-8, as hex otherwise — chosen per field, and switchable. Pure functions, no
 * DOM, so they are unit-tested in Node.
 */

/** The ways a key, value or header can be shown. */
export type Format = 'json' | 'text' | 'hex';

/** The API's base64 as bytes (null stays null: a keyless record, a tombstone). */
export function fromBase64(data: string | null): Uint8Array | null {
  if (data === null) return null;
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** UTF-8 text as the API's base64 (header values are bytes on the wire). */
export function textToBase64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The text of the bytes when they are valid UTF-8 without control characters but tab and newlines. */
function asText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is looked for
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}

/**
 * The best way to show these bytes: JSON when they parse as a JSON object, array, string,
 * number or literal; text when they are printable UTF-8; hex otherwise.
 *
 * @example
 * detectFormat(new TextEncoder().encode('{"a":1}')); // 'json'
 * detectFormat(new TextEncoder().encode('hello')); // 'text'
 * detectFormat(new Uint8Array([0, 255])); // 'hex'
 */
export function detectFormat(bytes: Uint8Array): Format {
  const text = asText(bytes);
  if (text === undefined) return 'hex';
  if (text.trim() === '') return 'text';
  try {
    JSON.parse(text);
    return 'json';
  } catch {
    return 'text';
  }
}

/**
 * The bytes shown in `format`; a format that does not fit (JSON that does not parse, text
 * that is not UTF-8) falls back to the one that does, and says so in `shownAs`.
 *
 * @example
 * show(new TextEncoder().encode('{"a":1}'), 'json'); // { shownAs: 'json', text: '{\n  "a": 1\n}' }
 */
export function show(bytes: Uint8Array, format: Format): { shownAs: Format; text: string } {
  if (format === 'hex') return { shownAs: 'hex', text: toHex(bytes) };
  const text = asText(bytes);
  if (text === undefined) return { shownAs: 'hex', text: toHex(bytes) };
  if (format === 'json') {
    try {
      return { shownAs: 'json', text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      return { shownAs: 'text', text };
    }
  }
  return { shownAs: 'text', text };
}

/** Bytes as space-separated hex pairs, 16 to a line. */
export function toHex(bytes: Uint8Array): string {
  const pairs = Array.from(bytes, (b) => b.toString(16).padStart(2, '0'));
  const lines: string[] = [];
  for (let i = 0; i < pairs.length; i += 16) lines.push(pairs.slice(i, i + 16).join(' '));
  return lines.join('\n');
}

/**
 * A value typed in the produce form as the API's record data: JSON when it parses as JSON
 * and the user left the type on auto, a string otherwise.
 *
 * @example
 * recordData('{"total":9}', 'auto'); // { type: 'JSON', data: { total: 9 } }
 * recordData('hello', 'auto'); // { type: 'STRING', data: 'hello' }
 */
export function recordData(
  input: string,
  type: 'auto' | 'JSON' | 'STRING',
): { type: 'JSON'; data: unknown } | { type: 'STRING'; data: string } {
  if (type === 'STRING') return { type: 'STRING', data: input };
  try {
    return { type: 'JSON', data: JSON.parse(input) };
  } catch (error) {
    if (type === 'JSON') throw error;
    return { type: 'STRING', data: input };
  }
}
