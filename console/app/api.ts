/**
 * The console's only way to Sluice: the public HTTP API on the page's own origin (the local
 * server, or `sluice console`'s signing proxy). Nothing here knows the server's code.
 */

/** An answer that was not a success, with the API's own message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Sends one API request with a JSON body and resolves to the parsed JSON answer (undefined
 * for 204). Anything else throws an {@link ApiError} carrying the API's `message`.
 *
 * @example
 * const topics = await call<{ data: Topic[] }>('GET', `/v3/clusters/${id}/topics`);
 */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('The Sluice API did not answer: is the server still running?', 0);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = parsed as { message?: string; error_code?: number } | undefined;
    throw new ApiError(error?.message ?? `HTTP ${response.status}`, response.status, error?.error_code);
  }
  return parsed as T;
}

/** The message to show for any failure. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let clusterPath: Promise<string> | undefined;

/**
 * `/v3/clusters/<id>`: the first (and, for Sluice, only) cluster the API lists.
 *
 * @example
 * const topicsPath = `${await cluster()}/topics`;
 */
export function cluster(): Promise<string> {
  clusterPath ??= call<{ data: { cluster_id: string }[] }>('GET', '/v3/clusters').then(
    (list) => `/v3/clusters/${encodeURIComponent(list.data[0].cluster_id)}`,
    (error) => {
      clusterPath = undefined;
      throw error;
    },
  );
  return clusterPath;
}

/** A path segment (topic or group name) as it goes into a URL. */
export const seg = encodeURIComponent;

// The shapes the console reads, as the API documents them (docs/openapi.yaml).

export interface Topic {
  topic_name: string;
  partitions_count: number;
}

export interface TopicConfig {
  topic_name: string;
  name: string;
  value: string | null;
  is_default: boolean;
}

export interface Partition {
  partition_id: number;
  log_start_offset: number;
  log_end_offset: number;
}

export interface FetchedRecord {
  partition_id: number;
  offset: number;
  timestamp: string;
  key: string | null;
  value: string | null;
  headers: { name: string; value: string | null }[];
}

export interface FetchAnswer {
  records: FetchedRecord[];
  next_offset: number;
  log_start_offset: number;
  log_end_offset: number;
}

export interface Group {
  consumer_group_id: string;
  state: string;
  members?: { member_id: string; kind: string; topics: string[] }[];
}

export interface Lag {
  topic_name: string;
  partition_id: number;
  current_offset: number | null;
  log_end_offset: number;
  lag: number | null;
  consumer_id: string;
}
