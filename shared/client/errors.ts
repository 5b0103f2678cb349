/**
 * Turns an HTTP error answer (`{"error_code", "message"}`) back into the error classes the
 * server raised, so a caller of the client catches the same kinds as code that uses the core
 * directly, with `retriable` deciding whether sending again may help.
 */
import {
  AlreadyExistsError,
  CorruptDataError,
  FencedError,
  InvalidRequestError,
  NotFoundError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  RecordTooLargeError,
  SluiceError,
  UnavailableError,
} from '../errors';

/**
 * The server could not be reached or the connection broke before an answer arrived. The
 * request may or may not have taken effect, so only idempotent work should resend it.
 *
 * @example
 * if (error instanceof ConnectionError) console.error('is the server running?', error.cause);
 */
export class ConnectionError extends SluiceError {
  constructor(message: string, cause?: unknown) {
    super(message, true, { cause });
  }
}

/**
 * The server failed in a way the API does not classify (a 5xx other than 503, or an answer
 * that is not Sluice's JSON, e.g. from a gateway in front of it).
 *
 * @example
 * if (error instanceof ServerError) console.error(error.status, error.message);
 */
export class ServerError extends SluiceError {
  readonly status: number;
  readonly errorCode: number;
  constructor(message: string, opts: { status: number; errorCode: number }) {
    super(message, false);
    this.status = opts.status;
    this.errorCode = opts.errorCode;
  }
}

/** The fields of an error answer that the mapping reads. */
export interface ErrorAnswer {
  readonly error_code?: unknown;
  readonly message?: unknown;
  readonly log_start_offset?: unknown;
  readonly log_end_offset?: unknown;
}

/**
 * The error class for an HTTP status and an error body, decided in one place.
 *
 * @example
 * errorFromAnswer(409, { error_code: 40901, message: 'fenced' }); // FencedError
 */
export function errorFromAnswer(status: number, body: ErrorAnswer | undefined): SluiceError {
  const code = typeof body?.error_code === 'number' ? body.error_code : status * 100;
  const message =
    typeof body?.message === 'string' && body.message !== ''
      ? body.message
      : `The server answered HTTP ${status} without an explanation.`;
  // 429 is a gateway's throttle (API Gateway): as transient as the server's own 503.
  if (status === 503 || status === 429 || code === 50003) return new UnavailableError(message);
  if (code === 40002) return new AlreadyExistsError(message);
  if (code === 40901) return new FencedError(message);
  if (code === 40902) return new OutOfOrderSequenceError(message);
  if (code === 50002) return new CorruptDataError(message);
  if (status === 404) return new NotFoundError(message, { errorCode: code });
  if (status === 413) return new RecordTooLargeError(message, { errorCode: code });
  if (status === 416) {
    return new OffsetOutOfRangeError(message, {
      logStartOffset: Number(body?.log_start_offset ?? 0),
      logEndOffset: Number(body?.log_end_offset ?? 0),
    });
  }
  if (status >= 400 && status < 500) return new InvalidRequestError(message, { errorCode: code, status });
  return new ServerError(message, { status, errorCode: code });
}

/**
 * The error of one failed entry of a 207 `records:batch` answer, which carries a code but
 * no status: the status is the code's first three digits, as in Confluent's scheme.
 *
 * @example
 * errorFromCode(50003, 'retry'); // UnavailableError
 */
export function errorFromCode(code: number, message: string): SluiceError {
  return errorFromAnswer(Math.floor(code / 100), { error_code: code, message });
}

/**
 * Whether sending the same request again may succeed.
 *
 * @example
 * if (isRetriable(error)) await retryLater();
 */
export function isRetriable(error: unknown): boolean {
  return error instanceof SluiceError && error.retriable;
}
