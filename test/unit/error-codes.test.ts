import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorFromAnswer, errorFromCode, ServerError } from '../../shared/client/errors';
import {
  allErrorCodes,
  DEFAULT_CODE,
  ERROR_CODES,
  type ErrorKind,
  errorOfCode,
  SluiceError,
} from '../../shared/errors';
import { errorResponse, errorStatus } from '../../shared/http/errors';

/** What the server answers for an error, parsed as the client reads it. */
function answerFor(error: unknown): { status: number; body: Record<string, unknown> } {
  const response = errorResponse(error);
  return { status: response.status, body: JSON.parse(String(response.body)) };
}

/** The error the server raises for a code: a core error, or for `internal` a bug. */
function serverError(code: keyof typeof ERROR_CODES): unknown {
  if (ERROR_CODES[code].kind === 'internal') return new TypeError('a bug');
  return errorOfCode(code, `what to do about ${code}`, { logStartOffset: 3, logEndOffset: 9 });
}

describe('the one table of error codes', () => {
  it.each(allErrorCodes())(
    'round-trips %i: core error → HTTP answer → client error of the same kind',
    (code) => {
      const info = ERROR_CODES[code];
      const raised = serverError(code);
      if (raised instanceof SluiceError) {
        expect(raised.kind).toBe(info.kind);
        expect(raised.errorCode).toBe(code);
      }
      expect(errorStatus(raised)).toEqual({ status: info.status, errorCode: code });

      const { status, body } = answerFor(raised);
      expect(status).toBe(info.status);
      expect(body.error_code).toBe(code);
      const back = errorFromAnswer(status, body);
      expect(back.kind).toBe(info.kind);
      expect(back.errorCode).toBe(code);
      expect(back.retriable).toBe(info.kind === 'unavailable');
      if (raised instanceof SluiceError) {
        expect(back.constructor).toBe(raised.constructor);
        expect(back.message).toBe(raised.message);
      } else {
        expect(back).toBeInstanceOf(ServerError);
        expect(back.message).not.toContain('a bug'); // internal errors do not leak their text
      }
      // A records:batch failure carries the code alone.
      expect(errorFromCode(code, 'm').kind).toBe(info.kind);
    },
  );

  it('keeps the log range of 41601 on the way back', () => {
    const back = errorFromAnswer(
      416,
      answerFor(errorOfCode(41601, 'm', { logStartOffset: 3, logEndOffset: 9 })).body,
    );
    expect(back).toMatchObject({ logStartOffset: 3, logEndOffset: 9 });
  });

  it('gives every kind a default code of that kind, and only `unavailable` is retriable', () => {
    for (const [kind, code] of Object.entries(DEFAULT_CODE) as [ErrorKind, keyof typeof ERROR_CODES][]) {
      expect(ERROR_CODES[code].kind).toBe(kind);
      expect(new SluiceError('m', kind).retriable).toBe(kind === 'unavailable');
    }
  });

  it('keeps the status in the code (Confluent style) except where the API has always differed', () => {
    // A three-digit code is a status itself: Confluent's per-record code in a produce's results.
    const statusOf = (code: number) => (code < 1000 ? code : Math.floor(code / 100));
    const exceptions = allErrorCodes().filter((code) => statusOf(code) !== ERROR_CODES[code].status);
    // "Retriable" answers 503, as Sluice always has (Confluent's 50003 is a 500-class code too).
    expect(exceptions).toEqual([50003]);
  });

  it('is listed in full in docs/http-api.md, each code with its status', () => {
    const doc = readFileSync(join(__dirname, '../../docs/http-api.md'), 'utf8');
    const missing = allErrorCodes().filter(
      (code) => !new RegExp(`^\\| ${ERROR_CODES[code].status} \\| ${code} \\|`, 'm').test(doc),
    );
    expect(missing).toEqual([]);
  });
});
