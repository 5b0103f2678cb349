/**
 * SigV4 signing for a deployed endpoint: API Gateway with IAM auth (service `execute-api`) or
 * a Lambda function URL with auth type AWS_IAM (service `lambda`), told apart by the host.
 * The AWS packages are loaded only when a request is actually signed, so talking to a local
 * server never reads credentials.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  SourceData,
} from '@smithy/types';

/** A request about to be sent, as the transport builds it. */
export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Returns the headers to send (the given ones plus the signature's). */
export type RequestSigner = (request: SignableRequest) => Promise<Record<string, string>>;

/** Options of {@link createSigV4Signer}. */
export interface SigV4SignerOptions {
  /** @default process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1' */
  readonly region?: string;
  /** @default the AWS SDK's default credential chain (env, profile, SSO, IMDS, …) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default - from the request's host, see {@link signingService} */
  readonly service?: string;
}

/**
 * Signs requests with AWS Signature Version 4.
 *
 * @example
 * const sign = createSigV4Signer({ region: 'eu-west-1' });
 * const headers = await sign({ method: 'GET', url: new URL('https://abc.execute-api.eu-west-1.amazonaws.com/v3/clusters'), headers: {} });
 */
export function createSigV4Signer(options: SigV4SignerOptions = {}): RequestSigner {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  type Signer = { sign(request: unknown): Promise<{ headers: Record<string, string> }> };
  let credentials: Promise<AwsCredentialIdentity | AwsCredentialIdentityProvider> | undefined;
  // One signer per service; the credentials (and their provider's cache) are shared.
  const signers = new Map<string, Promise<Signer>>();
  const load = async (service: string): Promise<Signer> => {
    const { SignatureV4 } = await import('@smithy/signature-v4');
    credentials ??= options.credentials
      ? Promise.resolve(options.credentials)
      : import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider());
    return new SignatureV4({ service, region, credentials: await credentials, sha256: NodeSha256 });
  };
  return async (request) => {
    const service = options.service ?? signingService(request.url);
    let signer = signers.get(service);
    if (!signer) {
      signer = load(service);
      signers.set(service, signer);
    }
    const query: Record<string, string> = {};
    request.url.searchParams.forEach((value, name) => {
      query[name] = value;
    });
    const signed = await (await signer).sign({
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port === '' ? undefined : Number(request.url.port),
      path: request.url.pathname,
      query,
      // The host header is part of the signature; fetch sends the same value itself.
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    });
    const { host: _host, ...headers } = signed.headers;
    return headers;
  };
}

/**
 * The SigV4 service of an endpoint: `lambda` for a Lambda function URL
 * (`<url-id>.lambda-url.<region>.on.aws`), else `execute-api` (API Gateway, under its own
 * host name or a custom domain).
 *
 * @example
 * signingService(new URL('https://abcdefghij.lambda-url.eu-west-1.on.aws/')); // 'lambda'
 * signingService(new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/')); // 'execute-api'
 */
export function signingService(url: URL): 'lambda' | 'execute-api' {
  return /^[^.]+\.lambda-url\.[a-z0-9-]+\.on\.aws\.?$/i.test(url.hostname) ? 'lambda' : 'execute-api';
}

/**
 * Whether requests to this URL are signed by default: HTTPS to anything but this machine
 * (a local server has no IAM in front of it).
 *
 * @example
 * shouldSign(new URL('https://abc.execute-api.us-east-1.amazonaws.com')); // true
 * shouldSign(new URL('http://127.0.0.1:8080')); // false
 */
export function shouldSign(url: URL): boolean {
  if (url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host.startsWith('127.'));
}

/** SHA-256 and HMAC-SHA-256 over node:crypto, in the shape the signer expects. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
}

function toBytes(data: SourceData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
