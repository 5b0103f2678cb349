/**
 * Every failure Sluice reports to a caller is a {@link SluiceError}. The few kinds map once
 * to an HTTP status and a Confluent-style `error_code` (see `shared/http/errors.ts`); the
 * message tells the user what to do and is not part of the API.
 */

/** Structured context carried by every error. */
export interface SluiceErrorDetails {
  topic?: string;
  partition?: number;
  offset?: number;
  cause?: unknown;
}

/** Base class: `retriable` says whether the same request may succeed if sent again. */
export class SluiceError extends Error {
  readonly retriable: boolean;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;

  constructor(message: string, retriable: boolean, details: SluiceErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.retriable = retriable;
    this.topic = details.topic;
    this.partition = details.partition;
    this.offset = details.offset;
  }
}

/** The request is malformed or breaks a rule; sending it again will not help. */
export class InvalidRequestError extends SluiceError {
  /** Confluent-style code: 40003 bad request detail, 42201 invalid payload, 40002 topic exists. */
  readonly errorCode: number;
  readonly status: number;
  constructor(message: string, opts: { errorCode?: number; status?: number } & SluiceErrorDetails = {}) {
    super(message, false, opts);
    this.errorCode = opts.errorCode ?? 40003;
    this.status = opts.status ?? 400;
  }
}

/** A record or a request is larger than a configured limit (HTTP 413). */
export class RecordTooLargeError extends SluiceError {
  readonly errorCode: number;
  constructor(message: string, opts: { errorCode?: number } & SluiceErrorDetails = {}) {
    super(message, false, opts);
    this.errorCode = opts.errorCode ?? 41301;
  }
}

/** The topic, partition, cluster or group does not exist (HTTP 404). */
export class NotFoundError extends SluiceError {
  readonly errorCode: number;
  constructor(message: string, opts: { errorCode?: number } & SluiceErrorDetails = {}) {
    super(message, false, opts);
    this.errorCode = opts.errorCode ?? 40401;
  }
}

/** The name is taken (HTTP 409, code 40002). */
export class AlreadyExistsError extends SluiceError {
  constructor(message: string, details: SluiceErrorDetails = {}) {
    super(message, false, details);
  }
}

/** A consumer's lease epoch is stale: it lost the partition and must rejoin (HTTP 409, 40901). */
export class FencedError extends SluiceError {
  constructor(message: string, details: SluiceErrorDetails = {}) {
    super(message, false, details);
  }
}

/** An idempotent producer's sequence is neither the next one nor a retry of the last (HTTP 409, 40902). */
export class OutOfOrderSequenceError extends SluiceError {
  constructor(message: string, details: SluiceErrorDetails = {}) {
    super(message, false, details);
  }
}

/** The requested offset is outside the partition's log (HTTP 416, 41601). */
export class OffsetOutOfRangeError extends SluiceError {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  constructor(message: string, opts: { logStartOffset: number; logEndOffset: number } & SluiceErrorDetails) {
    super(message, false, opts);
    this.logStartOffset = opts.logStartOffset;
    this.logEndOffset = opts.logEndOffset;
  }
}

/** A transient condition (contention, throttling, a store briefly away): retry with backoff (HTTP 503, 50003). */
export class UnavailableError extends SluiceError {
  constructor(message: string, details: SluiceErrorDetails = {}) {
    super(message, true, details);
  }
}

/** Stored bytes fail their checksum or do not parse: never decoded silently (HTTP 500, 50002). */
export class CorruptDataError extends SluiceError {
  constructor(message: string, details: SluiceErrorDetails = {}) {
    super(message, false, details);
  }
}
