import { DEFAULT_CODE, errorCodeInfo, OffsetOutOfRangeError, SluiceError } from '../errors';
import { type HttpResponse, json } from './types';

/**
 * The status and Confluent-style `error_code` of an error, read from the one table
 * (`ERROR_CODES` in `shared/errors.ts`). Anything that is not a `SluiceError` is a bug or an
 * unexpected failure: 500 / 50001. (Storage has already turned the AWS SDK's retriable
 * failures into `UnavailableError`.)
 */
export function errorStatus(error: unknown): { status: number; errorCode: number } {
  if (!(error instanceof SluiceError)) return { status: 500, errorCode: DEFAULT_CODE.internal };
  const info = errorCodeInfo(error.errorCode);
  if (info) return { status: info.status, errorCode: error.errorCode };
  // A code outside the table cannot be raised by the server (the classes type their codes).
  const fallback = DEFAULT_CODE[error.kind];
  return { status: errorCodeInfo(fallback)?.status ?? 500, errorCode: fallback };
}

/** `{"error_code", "message"}` for an error; internal errors do not leak their text. */
export function errorBody(error: unknown): { error_code: number; message: string } {
  const { errorCode } = errorStatus(error);
  if (error instanceof SluiceError) return { error_code: errorCode, message: error.message };
  return {
    error_code: errorCode,
    message: 'Internal error: the request failed unexpectedly; see the server log.',
  };
}

/** The HTTP answer for an error: its status, its body, and the log's range for 41601. */
export function errorResponse(error: unknown): HttpResponse {
  const body = errorBody(error);
  const extra =
    error instanceof OffsetOutOfRangeError
      ? { log_start_offset: error.logStartOffset, log_end_offset: error.logEndOffset }
      : {};
  return json(errorStatus(error).status, { ...body, ...extra });
}
