/**
 * Checks HTTP exchanges against `docs/openapi.yaml`, the API's published document: the answer's
 * status must be one the route lists, its `Content-Type` one the document gives that status,
 * and its body must match that media type's schema; a request the server accepted (2xx) must
 * be one the document describes (its media type and body, by the operation's `requestBody`).
 * Tests route every exchange they make through here, so the document cannot drift from the
 * server either way. Not used at run time.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { parseJsonStream } from '../../shared/http/body';
import type { HttpApi } from '../../shared/http/router';

/** One request and its answer, as a test sent and received them. */
export interface Exchange {
  readonly method: string;
  /** The request's path, without the query string (as the router matched it). */
  readonly path: string;
  /** The request's `Content-Type` header and raw body text ('' for none). */
  readonly request: { readonly contentType: string | undefined; readonly body: string };
  readonly status: number;
  /** The answer's `Content-Type` header (undefined when it had none). */
  readonly contentType: string | undefined;
  /** The answer's raw body text ('' for none). */
  readonly body: string;
}

/** An operation of the document: where it is, and how a request path is matched to it. */
export interface DocumentedOperation {
  readonly operationId: string;
  readonly method: string;
  /** The document's path template, e.g. `/v3/clusters/{cluster_id}/topics`. */
  readonly path: string;
  readonly responses: Record<string, unknown>;
  /** The operation's `requestBody`, when it takes one. */
  readonly requestBody: Node | undefined;
  readonly pattern: RegExp;
  readonly parameterCount: number;
}

/** A JSON object of the document, read loosely. */
type Node = Record<string, unknown>;

const DOCUMENT_FILE = path.join(__dirname, '..', '..', 'docs', 'openapi.yaml');
/** The id the document's components are known by to the validator, so `$ref`s resolve. */
const DOCUMENT_ID = 'openapi.yaml';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** The parsed document. */
export function openApiDocument(): Node {
  return loaded().document;
}

/** Every operation of the document, in document order. */
export function documentedOperations(): readonly DocumentedOperation[] {
  return loaded().operations;
}

/**
 * What is wrong with an exchange by the document: `[]` when it conforms. A request path that
 * matches no route must answer the document's `x-sluice-unmatched-route`; one that matches a
 * route of another method, its `x-sluice-wrong-method` (v2 or v3 by the path).
 *
 * @example
 * conformanceProblems({ method: 'GET', path: '/v3/clusters', request: { contentType: undefined, body: '' }, status: 200, contentType: 'application/json', body: '{"kind":"KafkaClusterList"}' });
 * // ['GET /v3/clusters (listClusters) answered 200 with a body its schema refuses: …']
 */
export function conformanceProblems(exchange: Exchange): string[] {
  const { document } = loaded();
  const operation = operationFor(exchange.method, exchange.path);
  const wrongMethod = !operation && METHODS.some((method) => operationFor(method, exchange.path));
  const what = `${exchange.method} ${exchange.path} (${operation?.operationId ?? (wrongMethod ? 'wrong method' : 'no route')})`;
  if (wrongMethod && exchange.status !== 405) {
    return [`${what} answered ${exchange.status}: a request whose path takes other methods answers 405.`];
  }
  if (!operation && !wrongMethod && exchange.status !== 404) {
    return [`${what} answered ${exchange.status}: a request that matches no route answers 404.`];
  }
  const wrongMethodResponses = document['x-sluice-wrong-method'] as Record<string, unknown>;
  const response = operation
    ? responseFor(operation.responses, exchange.status)
    : wrongMethod
      ? resolve(document, wrongMethodResponses[exchange.path.startsWith('/v3/') ? 'v3' : 'v2'])
      : resolve(document, document['x-sluice-unmatched-route']);
  if (!response) {
    const listed = Object.keys(operation?.responses ?? {}).join(', ');
    return [`${what} answered ${exchange.status}, a status the document does not list (it lists ${listed}).`];
  }
  const accepted = exchange.status >= 200 && exchange.status < 300;
  return [
    ...(operation && accepted ? requestProblems(what, operation, exchange) : []),
    ...answerProblems(`${what} answered ${exchange.status}`, response, exchange),
  ];
}

/**
 * What is wrong, by the document's `x-sluice-before-routing`, with an answer the local server
 * gave before the router saw the request (a foreign Host or Origin, a body that is not JSON, a
 * target that is not a path): those answers are the same on every path, so the document
 * describes them once rather than under each operation. `[]` when it conforms.
 */
export function beforeRoutingProblems(exchange: Exchange): string[] {
  const { document } = loaded();
  const what = `${exchange.method} ${exchange.path} (refused before routing) answered ${exchange.status}`;
  const refusals = document['x-sluice-before-routing'] as Record<string, unknown>;
  const response = resolve(document, refusals[String(exchange.status)]);
  if (!response) {
    return [
      `${what}, a status x-sluice-before-routing does not list (it lists ${Object.keys(refusals).join(', ')}).`,
    ];
  }
  return answerProblems(what, response, exchange);
}

/** What is wrong with the request of an exchange the server accepted, by the operation's `requestBody`. */
function requestProblems(what: string, operation: DocumentedOperation, exchange: Exchange): string[] {
  const { body } = exchange.request;
  const requestBody = operation.requestBody;
  if (!requestBody) {
    return body === ''
      ? []
      : [`${what} accepted a request body, where the document describes none:\n${excerpt(body)}`];
  }
  if (body === '') {
    return requestBody.required === true
      ? [`${what} accepted a request without the body the document requires.`]
      : [];
  }
  // A request without a Content-Type is read as JSON (the produce routes say so).
  const type = mediaTypeOf(exchange.request.contentType) || 'application/json';
  const content = requestBody.content as Record<string, Node>;
  const media = content[type];
  if (!media) {
    return [
      `${what} accepted a request of Content-Type "${type}", a media type its requestBody does not list (it lists ${Object.keys(content).join(', ')}).`,
    ];
  }
  let documents: unknown[];
  try {
    documents =
      media['x-sluice-json-stream'] === true
        ? parseJsonStream({
            method: exchange.method,
            path: exchange.path,
            query: {},
            headers: {},
            body: Buffer.from(body),
          })
        : [JSON.parse(body)];
  } catch {
    return [`${what} accepted a request body that is not JSON:\n${excerpt(body)}`];
  }
  const validate = validatorFor(media.schema);
  let accepted: unknown[];
  try {
    accepted = acceptedPart(operation.operationId, documents, exchange.body);
  } catch {
    // An answer that is not the shape expected: its own check says what is wrong with it.
    accepted = documents;
  }
  return accepted.flatMap((document) =>
    validate(document)
      ? []
      : [
          `${what} accepted a request body its requestBody schema refuses:\n${schemaErrors(validate, document)}`,
        ],
  );
}

/**
 * The part of a request the server took, for the produces that follow Confluent's per-record
 * failure model: a record refused on its own (its result's `error_code` is 400) is left out,
 * as the answer accounts for it; every other record must be one the document describes. For
 * any other operation, the whole request.
 */
function acceptedPart(operationId: string, documents: unknown[], answer: string): unknown[] {
  const refused = (result: unknown) => (result as { error_code?: unknown } | undefined)?.error_code === 400;
  switch (operationId) {
    case 'produceRecords': {
      const results = answer.split('\n').map((line) => JSON.parse(line) as unknown);
      return documents.filter((_, i) => !refused(results[i]));
    }
    case 'produceBatch': {
      const failures = (JSON.parse(answer) as { failures: { id: string; error_code: number }[] }).failures;
      const refusedIds = new Set(failures.filter(refused).map((failure) => failure.id));
      return documents.flatMap((body) => {
        const entries = (body as { entries: { id?: unknown }[] }).entries;
        const kept = entries.filter((entry) => !refusedIds.has(entry.id as string));
        return kept.length === 0 ? [] : [{ ...(body as object), entries: kept }];
      });
    }
    case 'produceV2':
    case 'produceToPartitionV2': {
      const offsets = (JSON.parse(answer) as { offsets: unknown[] }).offsets;
      return documents.flatMap((body) => {
        const records = (body as { records: unknown[] }).records;
        const kept = records.filter((_, i) => !refused(offsets[i]));
        return kept.length === 0 ? [] : [{ ...(body as object), records: kept }];
      });
    }
    default:
      return documents;
  }
}

/** What is wrong with an answer by the document's response: its media type, then its body. */
function answerProblems(what: string, response: Node, exchange: Exchange): string[] {
  const content = response.content as Record<string, Node> | undefined;
  if (!content) {
    return exchange.body === ''
      ? []
      : [`${what} with a body, where the document describes none:\n${excerpt(exchange.body)}`];
  }
  const type = mediaTypeOf(exchange.contentType);
  const media = content[type];
  if (!media) {
    return [
      `${what} with Content-Type "${exchange.contentType ?? ''}", a media type the document does not give this status (it gives ${Object.keys(content).join(', ')}).`,
    ];
  }
  const documents = response['x-sluice-json-stream'] === true ? exchange.body.split('\n') : [exchange.body];
  const validate = validatorFor(media.schema);
  const problems: string[] = [];
  for (const text of documents) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(`${what} with a body that is not JSON:\n${excerpt(text)}`);
      continue;
    }
    if (!validate(body))
      problems.push(`${what} with a body its schema refuses:\n${schemaErrors(validate, body)}`);
  }
  return problems;
}

/** A media type as the document names it: no parameters, lower case ('' for none). */
function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

function schemaErrors(validate: Ajv.ValidateFunction, body: unknown): string {
  const errors = (validate.errors ?? []).map(
    (e) => `  at body${e.dataPath || ''}: ${e.message}${paramsText(e.params)}`,
  );
  return `${errors.join('\n')}\nbody: ${excerpt(JSON.stringify(body, null, 2))}`;
}

/** Throws a readable error unless the answer conforms to the document. */
export function assertConforms(exchange: Exchange): void {
  const problems = conformanceProblems(exchange);
  if (problems.length > 0) throw new Error(`Not as docs/openapi.yaml describes:\n${problems.join('\n')}`);
}

/**
 * An API that checks each answer of `api` against the document before returning it. By
 * default a mismatch throws (the caller's test fails there); a server that must keep
 * answering passes `onMismatch` to collect them and fails the test later.
 *
 * @example
 * const call = httpClient(checkedApi(createHttpApi(cluster)));
 */
export function checkedApi(
  api: HttpApi,
  onMismatch: (problems: string) => void = (problems) => {
    throw new Error(problems);
  },
): HttpApi {
  return async (request) => {
    const response = await api(request);
    const problems = conformanceProblems({
      method: request.method,
      path: request.path,
      request: { contentType: request.headers['content-type'], body: request.body.toString('utf8') },
      status: response.status,
      contentType: response.headers['content-type'],
      body: response.body,
    });
    if (problems.length > 0) onMismatch(`Not as docs/openapi.yaml describes:\n${problems.join('\n')}`);
    return response;
  };
}

/**
 * The operation a request reaches: the method's operation whose path matches, the one with the
 * fewest parameters when several do (`topics/-/configs` is not the topic named `-`), as the
 * router prefers static segments. A trailing slash is ignored, as the router ignores it.
 */
export function operationFor(method: string, requestPath: string): DocumentedOperation | undefined {
  const trimmed = requestPath.length > 1 ? requestPath.replace(/\/$/, '') : requestPath;
  const matches = loaded().operations.filter(
    (op) => op.method === method.toUpperCase() && op.pattern.test(trimmed),
  );
  return matches.sort((a, b) => a.parameterCount - b.parameterCount)[0];
}

let cache: { document: Node; operations: DocumentedOperation[]; ajv: Ajv.Ajv } | undefined;
const validators = new Map<unknown, Ajv.ValidateFunction>();

function loaded() {
  if (cache) return cache;
  const document = parse(readFileSync(DOCUMENT_FILE, 'utf8')) as Node;
  // OpenAPI 3.0 schemas are JSON Schema plus `nullable`; `byte` is base64.
  const ajv = new Ajv({ nullable: true, allErrors: true, jsonPointers: true });
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addSchema({ components: rebased(document.components) }, DOCUMENT_ID);
  const operations: DocumentedOperation[] = [];
  for (const [template, item] of Object.entries(document.paths as Node)) {
    for (const method of METHODS) {
      const operation = (item as Node)[method] as Node | undefined;
      if (!operation) continue;
      operations.push({
        operationId: String(operation.operationId),
        method: method.toUpperCase(),
        path: template,
        responses: operation.responses as Record<string, unknown>,
        requestBody: resolve(document, operation.requestBody),
        pattern: pathPattern(template),
        parameterCount: (template.match(/\{/g) ?? []).length,
      });
    }
  }
  cache = { document, operations, ajv };
  return cache;
}

/** `{name}` matches one path segment, empty too (as the router does); everything else (`:` and `-` included) is literal. */
function pathPattern(template: string): RegExp {
  const source = template
    .split('/')
    .map((segment) => (/^\{\w+\}$/.test(segment) ? '[^/]*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** The response a status gets: listed exactly, else by its range (`5XX`), else `default`. */
function responseFor(responses: Record<string, unknown>, status: number): Node | undefined {
  const listed = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
  return listed === undefined ? undefined : resolve(loaded().document, listed);
}

/** Follows a `$ref` within the document (`#/components/responses/…`). */
function resolve(document: Node, node: unknown): Node | undefined {
  const ref = (node as Node | undefined)?.$ref;
  if (typeof ref !== 'string') return node as Node | undefined;
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((at, key) => (at as Node | undefined)?.[key], document) as Node | undefined;
}

/** A copy in which the document's local `$ref`s point into the schema registered as {@link DOCUMENT_ID}. */
function rebased(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebased);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      key === '$ref' && typeof field === 'string' && field.startsWith('#/')
        ? `${DOCUMENT_ID}${field}`
        : rebased(field),
    ]),
  );
}

function validatorFor(schema: unknown): Ajv.ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = loaded().ajv.compile(rebased(schema) as object);
    validators.set(schema, validate);
  }
  return validate;
}

function paramsText(params: object): string {
  const allowed = (params as { allowedValues?: unknown }).allowedValues;
  const extra = (params as { additionalProperty?: string }).additionalProperty;
  if (allowed !== undefined) return ` (${JSON.stringify(allowed)})`;
  if (extra !== undefined) return ` ("${extra}")`;
  return '';
}

function excerpt(text: string): string {
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
