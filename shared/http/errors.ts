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
import { type HttpResponse, json } from './types';

/** The status and Confluent-style `error_code` of an error, decided in one place. */
export function errorStatus(error: unknown): { status: number; errorCode: number } {
  if (error instanceof InvalidRequestError) return { status: error.status, errorCode: error.errorCode };
  if (error instanceof RecordTooLargeError) return { status: 413, errorCode: error.errorCode };
  if (error instanceof NotFoundError) return { status: 404, errorCode: error.errorCode };
  if (error instanceof AlreadyExistsError) return { status: 409, errorCode: 40002 };
  if (error instanceof FencedError) return { status: 409, errorCode: 40901 };
  if (error instanceof OutOfOrderSequenceError) return { status: 409, errorCode: 40902 };
  if (error instanceof OffsetOutOfRangeError) return { status: 416, errorCode: 41601 };
  if (error instanceof UnavailableError) return { status: 503, errorCode: 50003 };
  if (error instanceof CorruptDataError) return { status: 500, errorCode: 50002 };
  if (isRetriableAwsError(error)) return { status: 503, errorCode: 50003 };
  return { status: 500, errorCode: 50001 };
}

/** `{"error_code", "message"}` for an error; internal errors do not leak their text. */
export function errorBody(error: unknown): { error_code: number; message: string } {
  const { status, errorCode } = errorStatus(error);
  if (error instanceof SluiceError) return { error_code: errorCode, message: error.message };
  if (status === 503) {
    return {
      error_code: errorCode,
      message: 'A storage service is briefly unavailable: retry the request with backoff.',
    };
  }
  return {
    error_code: errorCode,
    message: 'Internal error: the request failed unexpectedly; see the server log.',
  };
}

export function errorResponse(error: unknown): HttpResponse {
  const body = errorBody(error);
  const extra =
    error instanceof OffsetOutOfRangeError
      ? { log_start_offset: error.logStartOffset, log_end_offset: error.logEndOffset }
      : {};
  return json(errorStatus(error).status, { ...body, ...extra });
}

/** SDK errors carry `$metadata`; throttling, 5xx and network faults are worth retrying. */
function isRetriableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    name?: string;
    code?: string;
  };
  if (e.$retryable) return true;
  if (e.$metadata && ((e.$metadata.httpStatusCode ?? 500) >= 500 || e.name?.includes('Throttl'))) return true;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(e.code ?? '');
}
