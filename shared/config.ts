/**
 * Where Sluice keeps its data and how it reaches AWS. Read once from the environment so the
 * Lambda functions (configured by the CDK construct) and the local server (configured by
 * the local harness) take the same path.
 */
export interface SluiceConfig {
  /** Cluster id used in `/v3/clusters/{cluster_id}`. @default 'local' */
  readonly clusterId: string;
  /** S3 bucket holding segment objects. @default 'sluice-data' */
  readonly bucket: string;
  /** DynamoDB table of partition-log index items (pk S, sk N). @default 'sluice-log' */
  readonly logTable: string;
  /** DynamoDB table of topics, producer state and leases (pk S, sk S). @default 'sluice-meta' */
  readonly metaTable: string;
  /** AWS region. @default 'us-east-1' */
  readonly region: string;
  /**
   * One endpoint for every AWS service (LocalStack style). Unset means real AWS.
   * @default process.env.AWS_ENDPOINT_URL
   */
  readonly endpoint?: string;
  /** Largest request body the deployment accepts, in bytes. @default 6291456 (Lambda's 6 MB) */
  readonly maxRequestBytes: number;
  /**
   * Produce requests whose every partition section encodes to at most this many bytes are
   * stored in the log table's slot items instead of an S3 object; 0 sends every request to
   * S3. Unset means the log's measured default (`DEFAULT_INLINE_SECTION_MAX_BYTES`).
   * From `SLUICE_INLINE_SECTION_MAX_BYTES`.
   */
  readonly inlineSectionMaxBytes?: number;
}

/** Builds the configuration from environment variables, with the local defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): SluiceConfig {
  return {
    clusterId: env.SLUICE_CLUSTER_ID ?? 'local',
    bucket: env.SLUICE_BUCKET ?? 'sluice-data',
    logTable: env.SLUICE_LOG_TABLE ?? 'sluice-log',
    metaTable: env.SLUICE_META_TABLE ?? 'sluice-meta',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint: env.AWS_ENDPOINT_URL || undefined,
    maxRequestBytes: positiveInteger(env, 'SLUICE_MAX_REQUEST_BYTES', 6 * 1024 * 1024),
    ...optionalWholeNumber(env, 'SLUICE_INLINE_SECTION_MAX_BYTES', 'inlineSectionMaxBytes'),
  };
}

/** A whole number (0 allowed) from the environment under `key`, or nothing when unset. */
function optionalWholeNumber<K extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  key: K,
): { [P in K]?: number } {
  const raw = env[name];
  if (raw === undefined || raw === '') return {};
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new Error(`${name} must be a whole number of bytes (0 or more), got "${raw}".`);
  }
  return { [key]: value } as { [P in K]?: number };
}

/**
 * A positive whole number from the environment, or the default when unset. Anything else is
 * refused at start: a limit that silently became `NaN` would switch the limit off.
 */
function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive whole number, got "${raw}".`);
  }
  return value;
}
