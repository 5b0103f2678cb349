/**
 * Every failure Sluice reports to a caller is a {@link SluiceError}: it has a `kind` (what the
 * caller can do about it) and a stable `errorCode` from {@link ERROR_CODES}, the one table
 * that also gives each code its HTTP status. The HTTP API answers with that status and
 * `{"error_code", "message"}` (`shared/http/errors.ts`); the client turns the answer back into
 * the same class through the same table (`shared/client/errors.ts`). The message tells the
 * user what to do and is not part of the API. Design note: docs/design/errors.md.
 */

/** What a caller can do about a failure; each kind has one error class. */
export type ErrorKind =
  | 'invalid-request'
  | 'forbidden'
  | 'not-found'
  | 'already-exists'
  | 'fenced'
  | 'group-not-empty'
  | 'out-of-order-sequence'
  | 'too-large'
  | 'offset-out-of-range'
  | 'unavailable'
  | 'corrupt-data'
  | 'internal';

/** One row of {@link ERROR_CODES}. */
export interface ErrorCodeInfo {
  readonly kind: ErrorKind;
  /** The HTTP status the API answers with. */
  readonly status: number;
  /** When the code is used, in a few words (docs/http-api.md says more). */
  readonly meaning: string;
}

/**
 * The one table of error codes (Confluent REST Proxy style: the first three digits are
 * usually the status). Codes are public: an answer's `error_code` never changes meaning, and
 * a code is never reused. `docs/http-api.md` lists every one (a unit test checks).
 *
 * @example
 * ERROR_CODES[40402]; // { kind: 'not-found', status: 404, meaning: 'partition not found' }
 */
export const ERROR_CODES = {
  40003: { kind: 'invalid-request', status: 400, meaning: 'bad request: malformed, or breaks a rule' },
  42201: {
    kind: 'invalid-request',
    status: 422,
    meaning: 'invalid payload: bytes that are not valid base64',
  },
  42202: {
    kind: 'invalid-request',
    status: 422,
    meaning: 'a records:batch entry id that is not a string of 1 to 80 letters, digits, "-" or "_"',
  },
  42208: {
    kind: 'invalid-request',
    status: 422,
    meaning: 'a records:batch that is not one: no entries, or ids that are not distinct',
  },
  // Confluent's per-record code: a produce answers 200 and reports the bad record on its own.
  400: {
    kind: 'invalid-request',
    status: 400,
    meaning: 'this record of a produce was refused (the other records were appended)',
  },
  // Confluent (Jersey) answers a method a path does not take with the status as the code.
  405: {
    kind: 'invalid-request',
    status: 405,
    meaning:
      'method not allowed: the path exists, but not with this method (the Allow header lists those it takes)',
  },
  41501: { kind: 'invalid-request', status: 415, meaning: 'unsupported Content-Type' },
  40301: {
    kind: 'invalid-request',
    status: 403,
    meaning: 'refused by the local server: the Host or Origin is not this machine',
  },
  40302: {
    kind: 'forbidden',
    status: 403,
    meaning: 'the consumer group is run by Lambda pollers: HTTP members may not join or commit',
  },
  40303: {
    kind: 'forbidden',
    status: 403,
    meaning: 'a topic this consumer group is not granted (join topics, commit offsets)',
  },
  40400: { kind: 'not-found', status: 404, meaning: 'no such route' },
  40401: { kind: 'not-found', status: 404, meaning: 'topic not found' },
  40402: { kind: 'not-found', status: 404, meaning: 'partition not found' },
  // Confluent's v3 answers an unknown cluster with its status as the code; 40403 is its v2
  // "consumer instance not found".
  404: { kind: 'not-found', status: 404, meaning: 'cluster not found' },
  40403: {
    kind: 'not-found',
    status: 404,
    meaning: 'v2 consumer instance not found (never created, deleted, or expired after its timeout)',
  },
  40404: { kind: 'not-found', status: 404, meaning: 'consumer group not found' },
  40405: {
    kind: 'not-found',
    status: 404,
    meaning: 'consumer group member not found (expired or left), or not one this request may act as',
  },
  40406: { kind: 'not-found', status: 404, meaning: 'broker not found (the cluster has one)' },
  40407: {
    kind: 'not-found',
    status: 404,
    meaning: 'topic config not found (a config Sluice does not know)',
  },
  40408: {
    kind: 'not-found',
    status: 404,
    meaning: 'no ongoing replica reassignment (Sluice never has one)',
  },
  // Confluent answers 400 here (its document's BadRequest example "create_topic_already_exists").
  40002: { kind: 'already-exists', status: 400, meaning: 'topic already exists' },
  // Confluent's v2 consumer codes; where Sluice's own 409 codes came first, the next free one.
  40601: {
    kind: 'invalid-request',
    status: 406,
    meaning: "a v2 records read whose Accept does not match the consumer instance's format",
  },
  40905: {
    kind: 'already-exists',
    status: 409,
    meaning: 'a v2 consumer instance of that name already exists in the group',
  },
  40906: {
    kind: 'invalid-request',
    status: 409,
    meaning:
      'a v2 consumer instance request its state does not allow: subscribe while assigned (or the reverse), seek a partition it does not hold',
  },
  42200: { kind: 'invalid-request', status: 422, meaning: 'a v2 consumer instance of an unsupported format' },
  42204: {
    kind: 'invalid-request',
    status: 422,
    meaning: 'an invalid v2 consumer instance configuration (auto.offset.reset, auto.commit.enable, …)',
  },
  40901: { kind: 'fenced', status: 409, meaning: 'stale lease epoch: the partition moved to another member' },
  40902: { kind: 'out-of-order-sequence', status: 409, meaning: 'idempotent producer sequence out of order' },
  40904: {
    kind: 'out-of-order-sequence',
    status: 409,
    meaning: 'idempotent producer sequence already used by a different batch',
  },
  40903: {
    kind: 'group-not-empty',
    status: 409,
    meaning: 'the consumer group has a live member (reset or delete only an empty group)',
  },
  41301: { kind: 'too-large', status: 413, meaning: "record over the topic's max.message.bytes" },
  41302: { kind: 'too-large', status: 413, meaning: "request body over the deployment's limit" },
  41601: { kind: 'offset-out-of-range', status: 416, meaning: "offset outside the partition's log" },
  50001: { kind: 'internal', status: 500, meaning: 'internal error' },
  50002: { kind: 'corrupt-data', status: 500, meaning: 'stored bytes failed their checksum' },
  50003: { kind: 'unavailable', status: 503, meaning: 'retriable: contention or a store briefly away' },
} as const satisfies Record<number, ErrorCodeInfo>;

/** A code of the table. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of one kind, e.g. `CodeOf<'not-found'>` is `40400 | 40401 | … | 40405`. */
export type CodeOf<K extends ErrorKind> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]['kind'] extends K ? C : never;
}[ErrorCode];

/** The code an error of a kind carries when its thrower names none. */
export const DEFAULT_CODE: { readonly [K in ErrorKind]: CodeOf<K> } = {
  'invalid-request': 40003,
  forbidden: 40302,
  'not-found': 40401,
  'already-exists': 40002,
  fenced: 40901,
  'group-not-empty': 40903,
  'out-of-order-sequence': 40902,
  'too-large': 41301,
  'offset-out-of-range': 41601,
  unavailable: 50003,
  'corrupt-data': 50002,
  internal: 50001,
};

/**
 * The table's row of a code, or undefined for a code this version does not know (a newer
 * server's, or a gateway's).
 *
 * @example
 * errorCodeInfo(40405)?.kind; // 'not-found'
 */
export function errorCodeInfo(code: number): ErrorCodeInfo | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode] : undefined;
}

/** Every code of the table, in ascending order. */
export function allErrorCodes(): ErrorCode[] {
  return Object.keys(ERROR_CODES)
    .map(Number)
    .sort((a, b) => a - b) as ErrorCode[];
}

/** Structured context carried by every error. */
export interface SluiceErrorDetails {
  topic?: string;
  partition?: number;
  offset?: number;
  cause?: unknown;
}

/** The options of an error class whose kind has several codes. */
export type CodedDetails<K extends ErrorKind> = SluiceErrorDetails & { errorCode?: CodeOf<K> };

/**
 * Base class: `kind` and `errorCode` say what failed (see {@link ERROR_CODES}); `retriable`
 * says whether the same request may succeed if sent again, which is so only for the
 * `unavailable` kind.
 */
export class SluiceError extends Error {
  readonly kind: ErrorKind;
  /** A code of {@link ERROR_CODES}, or, in the client, a newer server's code of the same kind. */
  readonly errorCode: number;
  readonly retriable: boolean;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;

  constructor(message: string, kind: ErrorKind, details: SluiceErrorDetails & { errorCode?: number } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.errorCode = details.errorCode ?? DEFAULT_CODE[kind];
    this.retriable = kind === 'unavailable';
    this.topic = details.topic;
    this.partition = details.partition;
    this.offset = details.offset;
  }
}

/** The request is malformed or breaks a rule; sending it again will not help (40003, 40301, 405, 42201, 41501). */
export class InvalidRequestError extends SluiceError {
  constructor(message: string, details: CodedDetails<'invalid-request'> = {}) {
    super(message, 'invalid-request', details);
  }

  /** The HTTP status of the code (400, 403, 405, 415 or 422). */
  get status(): number {
    return errorCodeInfo(this.errorCode)?.status ?? 400;
  }
}

/** A record or a request is larger than a configured limit (41301 record, 41302 request). */
export class RecordTooLargeError extends SluiceError {
  constructor(message: string, details: CodedDetails<'too-large'> = {}) {
    super(message, 'too-large', details);
  }
}

/**
 * The request is well formed but this deployment refuses it to HTTP callers: the consumer
 * group is run by Lambda pollers (40302), or the request names a topic the group is not granted
 * (40303). Sending it again will not help; the construct's grants decide (docs/security.md).
 */
export class ForbiddenError extends SluiceError {
  constructor(message: string, details: CodedDetails<'forbidden'> = {}) {
    super(message, 'forbidden', details);
  }
}

/** The topic, partition, cluster, group, member or route does not exist (404xx). */
export class NotFoundError extends SluiceError {
  constructor(message: string, details: CodedDetails<'not-found'> = {}) {
    super(message, 'not-found', details);
  }
}

/** The name is taken (40002). */
export class AlreadyExistsError extends SluiceError {
  constructor(message: string, details: CodedDetails<'already-exists'> = {}) {
    super(message, 'already-exists', details);
  }
}

/** A consumer's lease epoch is stale: it lost the partition and must rejoin (40901). */
export class FencedError extends SluiceError {
  constructor(message: string, details: SluiceErrorDetails = {}) {
    super(message, 'fenced', details);
  }
}

/**
 * An administrative change to a consumer group (reset its offsets, delete it) while the group
 * has a live member: Kafka's NON_EMPTY_GROUP (40903).
 */
export class GroupNotEmptyError extends SluiceError {
  constructor(message: string, details: SluiceErrorDetails = {}) {
    super(message, 'group-not-empty', details);
  }
}

/**
 * An idempotent producer's sequence is neither the next one nor a retry of the last (40902),
 * or it is the last one's but the batch differs from the one appended under it (40904).
 */
export class OutOfOrderSequenceError extends SluiceError {
  constructor(message: string, details: CodedDetails<'out-of-order-sequence'> = {}) {
    super(message, 'out-of-order-sequence', details);
  }
}

/** The requested offset is outside the partition's log (41601); the answer carries the log's range. */
export class OffsetOutOfRangeError extends SluiceError {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  constructor(message: string, opts: { logStartOffset: number; logEndOffset: number } & SluiceErrorDetails) {
    super(message, 'offset-out-of-range', opts);
    this.logStartOffset = opts.logStartOffset;
    this.logEndOffset = opts.logEndOffset;
  }
}

/**
 * A transient condition (contention, throttling, a store briefly away): retry with backoff
 * (50003). Storage code raises it for the AWS SDK's retriable failures, so no code above
 * storage looks at SDK errors.
 */
export class UnavailableError extends SluiceError {
  constructor(message: string, details: SluiceErrorDetails = {}) {
    super(message, 'unavailable', details);
  }
}

/**
 * The topic a warm process held was deleted by another process: the log of that creation of
 * the topic is closed (its sequencer carries the mark `delete` left). Retriable (50003): the
 * process drops its cached copy of the topic, and the retry meets the topic as it is now, a
 * re-created one or none (404). Thrown by storage, so that no writer acknowledges a record
 * nobody can read and no reader serves a deleted topic's records under a new one's name.
 */
export class StaleTopicError extends UnavailableError {
  /** The id of the deleted creation of the topic. */
  readonly topicId: string;
  constructor(topicId: string, details: SluiceErrorDetails = {}) {
    super(
      `The topic${details.topic ? ` "${details.topic}"` : ''} was deleted (it may have been re-created) since this server read it: retry the request.`,
      details,
    );
    this.topicId = topicId;
  }
}

/** Stored bytes fail their checksum or do not parse: never decoded silently (50002). */
export class CorruptDataError extends SluiceError {
  constructor(message: string, details: SluiceErrorDetails = {}) {
    super(message, 'corrupt-data', details);
  }
}

/** What {@link errorOfCode} needs besides the code and the message. */
export type ErrorFromCodeDetails = SluiceErrorDetails & {
  /** The log's range, for 41601. @default 0 */
  logStartOffset?: number;
  logEndOffset?: number;
};

/**
 * The core error for a code of the table (the client's way back from an answer; `internal`,
 * which the core never raises itself, comes back as a plain `SluiceError` of that kind).
 *
 * @example
 * errorOfCode(40901, 'fenced'); // FencedError
 */
export function errorOfCode(
  code: ErrorCode,
  message: string,
  details: ErrorFromCodeDetails = {},
): SluiceError {
  const { logStartOffset = 0, logEndOffset = 0, ...rest } = details;
  const info: ErrorCodeInfo = ERROR_CODES[code];
  switch (info.kind) {
    case 'invalid-request':
      return new InvalidRequestError(message, { ...rest, errorCode: code as CodeOf<'invalid-request'> });
    case 'forbidden':
      return new ForbiddenError(message, { ...rest, errorCode: code as CodeOf<'forbidden'> });
    case 'not-found':
      return new NotFoundError(message, { ...rest, errorCode: code as CodeOf<'not-found'> });
    case 'too-large':
      return new RecordTooLargeError(message, { ...rest, errorCode: code as CodeOf<'too-large'> });
    case 'already-exists':
      return new AlreadyExistsError(message, { ...rest, errorCode: code as CodeOf<'already-exists'> });
    case 'fenced':
      return new FencedError(message, rest);
    case 'group-not-empty':
      return new GroupNotEmptyError(message, rest);
    case 'out-of-order-sequence':
      return new OutOfOrderSequenceError(message, {
        ...rest,
        errorCode: code as CodeOf<'out-of-order-sequence'>,
      });
    case 'offset-out-of-range':
      return new OffsetOutOfRangeError(message, { ...rest, logStartOffset, logEndOffset });
    case 'unavailable':
      return new UnavailableError(message, rest);
    case 'corrupt-data':
      return new CorruptDataError(message, rest);
    case 'internal':
      return new SluiceError(message, 'internal', { ...rest, errorCode: code });
  }
}
