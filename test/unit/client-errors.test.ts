import {
  ConnectionError,
  errorFromAnswer,
  errorFromCode,
  isRetriable,
  ServerError,
} from '../../shared/client/errors';
import { withRetry } from '../../shared/client/retry';
import {
  AlreadyExistsError,
  FencedError,
  InvalidRequestError,
  NotFoundError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  RecordTooLargeError,
  UnavailableError,
} from '../../shared/errors';

describe('errorFromAnswer', () => {
  it.each([
    [404, 40401, NotFoundError, false],
    [409, 40002, AlreadyExistsError, false],
    [400, 40002, AlreadyExistsError, false],
    [409, 40901, FencedError, false],
    [409, 40902, OutOfOrderSequenceError, false],
    [413, 41301, RecordTooLargeError, false],
    [400, 40003, InvalidRequestError, false],
    [503, 50003, UnavailableError, true],
    [429, 42900, UnavailableError, true],
    [500, 50001, ServerError, false],
  ])('maps HTTP %i with error_code %i to its class', (status, code, type, retriable) => {
    const error = errorFromAnswer(status, { error_code: code, message: 'what to do' });
    expect(error).toBeInstanceOf(type);
    expect(error.retriable).toBe(retriable);
    expect(error.message).toBe('what to do');
  });

  it('keeps the log range of an offset out of range', () => {
    const error = errorFromAnswer(416, {
      error_code: 41601,
      message: 'm',
      log_start_offset: 5,
      log_end_offset: 9,
    });
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(error).toMatchObject({ logStartOffset: 5, logEndOffset: 9 });
  });

  it('classifies an answer with a code it does not know by its status, keeping the code', () => {
    const newer = errorFromAnswer(404, { error_code: 40499, message: 'a newer server' });
    expect(newer).toBeInstanceOf(NotFoundError);
    expect(newer).toMatchObject({ kind: 'not-found', errorCode: 40499, retriable: false });
    expect(errorFromAnswer(418, { message: 'teapot' })).toMatchObject({
      kind: 'invalid-request',
      errorCode: 41800,
    });
    expect(errorFromAnswer(502, undefined)).toMatchObject({ kind: 'internal', status: 502 });
    expect(errorFromCode(40499, 'm')).toBeInstanceOf(NotFoundError);
  });

  it('explains an answer without a body', () => {
    expect(errorFromAnswer(502, undefined).message).toMatch(/HTTP 502/);
  });

  it('derives the status of a batch entry failure from its code', () => {
    expect(errorFromCode(50003, 'retry')).toBeInstanceOf(UnavailableError);
    expect(errorFromCode(40401, 'gone')).toBeInstanceOf(NotFoundError);
  });

  it('counts connection errors as retriable', () => {
    expect(isRetriable(new ConnectionError('down'))).toBe(true);
    expect(isRetriable(new Error('bug'))).toBe(false);
  });
});

describe('withRetry', () => {
  const noWait = { sleep: async () => {}, random: () => 0.5 };

  it('retries retriable errors until the attempt succeeds', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new UnavailableError('busy');
        return 'ok';
      },
      {},
      noWait,
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('never retries a non-retriable error', async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw new InvalidRequestError('bad');
    };
    await expect(withRetry(attempt, {}, noWait)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(calls).toBe(1);
  });

  it('gives up after the configured retries with the last error', async () => {
    let calls = 0;
    const waits: number[] = [];
    const attempt = async () => {
      calls++;
      throw new UnavailableError(`busy ${calls}`);
    };
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    await expect(
      withRetry(attempt, { retries: 2, initialRetryTime: 100 }, { sleep, random: () => 0.5 }),
    ).rejects.toThrow('busy 3');
    expect(waits).toEqual([100, 200]);
  });
});
