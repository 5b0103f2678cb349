import type { IncomingHttpHeaders } from 'node:http';

/** The AWS services the local edge can reach. */
export type EmulatedService = 'dynamodb' | 's3';

const DYNAMODB_TARGET = /^DynamoDB(Streams)?_20120810\./;
const CREDENTIAL_SCOPE = /Credential=[^/\s,]+\/\d{8}\/[^/\s,]+\/([^/\s,]+)\/aws4_request/;

/**
 * Names the AWS service a request is meant for, the way LocalStack's edge does: DynamoDB's
 * JSON protocol names itself in `X-Amz-Target`; otherwise the SigV4 credential scope
 * (`<key>/<date>/<region>/<service>/aws4_request`, in `Authorization` or, for presigned URLs,
 * in `X-Amz-Credential`) names the service. Returns undefined for unsigned requests.
 *
 * @example
 * serviceOfRequest({ authorization: 'AWS4-HMAC-SHA256 Credential=k/20250101/us-east-1/s3/aws4_request, ...' }, '/b/k');
 * // 's3'
 */
export function serviceOfRequest(headers: IncomingHttpHeaders, url: string): string | undefined {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && DYNAMODB_TARGET.test(target)) return 'dynamodb';
  const fromHeader = CREDENTIAL_SCOPE.exec(headers.authorization ?? '')?.[1];
  if (fromHeader) return fromHeader;
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  const credential = new URLSearchParams(url.slice(query + 1)).get('X-Amz-Credential');
  return credential ? CREDENTIAL_SCOPE.exec(`Credential=${credential}`)?.[1] : undefined;
}
