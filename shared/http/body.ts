import { type CodeOf, InvalidRequestError } from '../errors';
import type * as z from '../validation';
import type { HttpRequest } from './types';

/** Media type of a request without parameters, lower case ('' when absent). */
export function mediaType(request: HttpRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Parses the body as JSON, answering 400 with the parser's complaint when it is not.
 *
 * @example
 * const body = parseJson(request); // throws InvalidRequestError on '{'
 */
export function parseJson(request: HttpRequest): unknown {
  const text = request.body.toString('utf8');
  if (text.trim() === '') throw new InvalidRequestError('The request body is empty: send a JSON document.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(`The request body is not valid JSON (${(error as Error).message}).`);
  }
}

/**
 * Parses a body of one or more concatenated JSON documents (Confluent's streaming produce),
 * by scanning for the end of each top-level value. Every document counts, whatever its type:
 * a string or a number is a document too (its record is then refused on its own), so the
 * answer has exactly one report per document sent.
 */
export function parseJsonStream(request: HttpRequest): unknown[] {
  const text = request.body.toString('utf8');
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') {
        inString = false;
        // A string at the top level is a document of its own.
        if (depth === 0) values.push(parseDocument(text.slice(start, i + 1), values.length));
      }
      continue;
    }
    if (c === '"') {
      if (depth === 0) start = i;
      inString = true;
    } else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        values.push(parseDocument(text.slice(start, i + 1), values.length));
        start = -1;
      } else if (depth < 0) {
        throw new InvalidRequestError(
          `The request body is not valid JSON: unexpected "${c}" at position ${i}, which closes no document.`,
        );
      }
    } else if (depth === 0 && !/\s/.test(c)) {
      // A number, true, false or null: it runs to the next space or structural character.
      SCALAR_END.lastIndex = i;
      const end = SCALAR_END.exec(text)?.index ?? text.length;
      values.push(parseScalar(text.slice(i, end), i));
      i = end - 1;
    }
  }
  if (depth !== 0 || inString) {
    throw new InvalidRequestError(
      'The request body is not valid JSON: a document is cut off before its end.',
    );
  }
  if (values.length === 0)
    throw new InvalidRequestError('The request body is empty: send at least one JSON record.');
  return values;
}

/** Where a top-level scalar ends; searched from its start (`lastIndex`), not over a copy of the rest. */
const SCALAR_END = /[\s{}[\]"]/g;

function parseScalar(token: string, position: number): unknown {
  try {
    return JSON.parse(token);
  } catch {
    throw new InvalidRequestError(
      `The request body is not valid JSON: unexpected "${token.slice(0, 20)}" at position ${position}; send JSON objects, one after another.`,
    );
  }
}

function parseDocument(text: string, index: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(
      `Record ${index} of the request is not valid JSON (${(error as Error).message}).`,
    );
  }
}

/** Validates against a schema, turning the first issue into a 400 (or 422 for payloads) that names the field. */
export function validate<T>(
  schema: z.ZodMiniType<T>,
  value: unknown,
  what: string,
  errorCode: CodeOf<'invalid-request'> = 40003,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'the body';
  throw new InvalidRequestError(`${what}: ${field} is invalid (${issue.message}).`, { errorCode });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict base64 decoding: Node's own decoder silently skips bad characters. The fast path
 * decodes first and accepts the text when it is exactly the canonical encoding of the bytes
 * (what every encoder sends); anything else (whitespace, non-zero padding bits, bad
 * characters) takes the slow path through the regular expression, so both accept the
 * same texts.
 *
 * @example
 * decodeBase64('aGk=', 'value').toString(); // 'hi'
 */
export function decodeBase64(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  // The length check is free and spares building the re-encoding for texts that cannot match.
  if (text.length === 4 * Math.ceil(bytes.length / 3) && bytes.toString('base64') === text) return bytes;
  return decodeBase64Slowly(text, what);
}

function decodeBase64Slowly(text: string, what: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact)) {
    throw new InvalidRequestError(
      `${what} is not valid base64: encode the bytes with standard base64 (RFC 4648).`,
      { errorCode: 42201 },
    );
  }
  return Buffer.from(compact, 'base64');
}

/**
 * Reads a non-negative integer (offsets, counts) given as a JSON number or a decimal string.
 * Offsets above 2^53 - 1 are refused rather than silently rounded.
 */
export function parseNonNegativeInteger(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new InvalidRequestError(
      `${what} must be a non-negative integer (a number or a decimal string up to 9007199254740991), got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}
