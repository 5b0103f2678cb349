/**
 * Turns an HTTP error answer (`{"error_code", "message"}`) back into the error classes the
 * server raised, through the same table the server answers from (`ERROR_CODES` in
 * `shared/errors.ts`), so a caller of the client catches the same kinds as code that uses the
 * core directly, with `retriable` deciding whether sending again may help.
 */
import {
  type CodeOf,
  type ErrorCode,
  errorCodeInfo,
  errorOfCode,
  InvalidRequestError,
  NotFoundError,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  SluiceError,
  UnavailableError,
} from '../errors';

/**
 * The server could not be reached or the connection broke before an answer arrived. The
 * request may or may not have taken effect, so only idempotent work should resend it. Its
 * kind is `unavailable`: retriable.
 *
 * @example
 * if (error instanceof ConnectionError) console.error('is the server running?', error.cause);
 */
export class ConnectionError extends SluiceError {
  constructor(message: string, cause?: unknown) {
    super(message, 'unavailable', { cause });
  }
}

/**
 * The server failed in a way the API does not classify (500 / 50001, a 5xx other than 503, or
 * an answer that is not Sluice's JSON, e.g. from a gateway in front of it). Its kind is
 * `internal`.
 *
 * @example
 * if (error instanceof ServerError) console.error(error.status, error.message);
 */
export class ServerError extends SluiceError {
  readonly status: number;
  constructor(message: string, opts: { status: number; errorCode: number }) {
    super(message, 'internal', { errorCode: opts.errorCode });
    this.status = opts.status;
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
 * The error class for an HTTP status and an error body: a code of the table decides by its
 * kind; an answer without one (a gateway's, or a newer server's code) by its status.
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
  const known = errorCodeInfo(code);
  if (known?.kind === 'internal') return new ServerError(message, { status, errorCode: code });
  if (known) {
    return errorOfCode(code as ErrorCode, message, {
      logStartOffset: Number(body?.log_start_offset ?? 0),
      logEndOffset: Number(body?.log_end_offset ?? 0),
    });
  }
  // Not a code of ours. 429 is a gateway's throttle (API Gateway): as transient as our 503.
  if (status === 503 || status === 429) return new UnavailableError(message);
  // A newer server's code keeps its number, under the kind its status implies.
  if (status === 404) return new NotFoundError(message, { errorCode: code as CodeOf<'not-found'> });
  if (status === 413) return new RecordTooLargeError(message, { errorCode: code as CodeOf<'too-large'> });
  if (status === 416) {
    return new OffsetOutOfRangeError(message, {
      logStartOffset: Number(body?.log_start_offset ?? 0),
      logEndOffset: Number(body?.log_end_offset ?? 0),
    });
  }
  if (status >= 400 && status < 500) {
    return new InvalidRequestError(message, { errorCode: code as CodeOf<'invalid-request'> });
  }
  return new ServerError(message, { status, errorCode: code });
}

/**
 * The error of one failed entry of a 207 `records:batch` answer, which carries a code but
 * no status: the table gives the status (or, for a code it does not know, the code's first
 * three digits, as in Confluent's scheme).
 *
 * @example
 * errorFromCode(50003, 'retry'); // UnavailableError
 */
export function errorFromCode(code: number, message: string): SluiceError {
  const status = errorCodeInfo(code)?.status ?? Math.floor(code / 100);
  return errorFromAnswer(status, { error_code: code, message });
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
