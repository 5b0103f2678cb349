/**
 * Checks HTTP answers against `docs/openapi.yaml`, the API's published document: the answer's
 * status must be one the route lists, and its body must match that status's schema. Tests
 * route every answer they receive through here, so the document cannot drift from the
 * server. Not used at run time.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import type { HttpApi } from '../../shared/http/router';

/** One answer as a test received it. */
export interface Exchange {
  readonly method: string;
  /** The request's path, without the query string (as the router matched it). */
  readonly path: string;
  readonly status: number;
  /** The raw body text ('' for none). */
  readonly body: string;
  /**
   * The answer's `Content-Type`: picks the schema where a response describes several media
   * types (a v2 read answers in its instance's embedded format).
   */
  readonly contentType?: string;
}

/** An operation of the document: where it is, and how a request path is matched to it. */
export interface DocumentedOperation {
  readonly operationId: string;
  readonly method: string;
  /** The document's path template, e.g. `/v3/clusters/{cluster_id}/topics`. */
  readonly path: string;
  readonly responses: Record<string, unknown>;
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
 * What is wrong with an answer by the document: `[]` when it conforms. A request path that
 * matches no route must answer the document's `x-sluice-unmatched-route`.
 *
 * @example
 * conformanceProblems({ method: 'GET', path: '/v3/clusters', status: 200, body: '{"kind":"KafkaClusterList"}' });
 * // ['GET /v3/clusters (listClusters) answered 200 with a body its schema refuses: …']
 */
export function conformanceProblems(exchange: Exchange): string[] {
  const { document } = loaded();
  const operation = operationFor(exchange.method, exchange.path);
  const what = `${exchange.method} ${exchange.path} (${operation?.operationId ?? 'no route'})`;
  if (!operation && exchange.status !== 404) {
    return [`${what} answered ${exchange.status}: a request that matches no route answers 404.`];
  }
  const response = operation
    ? responseFor(operation.responses, exchange.status)
    : resolve(document, document['x-sluice-unmatched-route']);
  if (!response) {
    const listed = Object.keys(operation?.responses ?? {}).join(', ');
    return [`${what} answered ${exchange.status}, a status the document does not list (it lists ${listed}).`];
  }
  const content = jsonContent(response, exchange.contentType);
  if (!content) {
    return exchange.body === ''
      ? []
      : [
          `${what} answered ${exchange.status} with a body, where the document describes none:\n${excerpt(exchange.body)}`,
        ];
  }
  const documents = response['x-sluice-json-stream'] === true ? exchange.body.split('\n') : [exchange.body];
  const validate = validatorFor(content.schema);
  const problems: string[] = [];
  for (const text of documents) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(`${what} answered ${exchange.status} with a body that is not JSON:\n${excerpt(text)}`);
      continue;
    }
    if (!validate(body)) {
      const errors = (validate.errors ?? []).map(
        (e) => `  at body${e.dataPath || ''}: ${e.message}${paramsText(e.params)}`,
      );
      problems.push(
        `${what} answered ${exchange.status} with a body its schema refuses:\n${errors.join('\n')}\nbody: ${excerpt(JSON.stringify(body, null, 2))}`,
      );
    }
  }
  return problems;
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
      status: response.status,
      body: response.body,
      contentType: response.headers['content-type'],
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

/**
 * The JSON body a response describes: the answer's own media type when the response lists it
 * (a v2 read's embedded format), else `application/json`, or Confluent v2's
 * `application/vnd.kafka.v2+json` (the v2 reads). The media type itself is checked by the tests.
 */
function jsonContent(response: Node, contentType?: string): Node | undefined {
  const content = response.content as Node | undefined;
  const own = contentType === undefined ? undefined : content?.[contentType.split(';')[0].trim()];
  return (own ?? content?.['application/json'] ?? content?.['application/vnd.kafka.v2+json']) as
    | Node
    | undefined;
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
