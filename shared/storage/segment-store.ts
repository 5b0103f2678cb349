import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NotFoundError } from '../errors';

/** The port to the S3 bucket that holds immutable segment objects. */
export interface SegmentStore {
  /** Writes a new object; keys are unique, so nothing is ever overwritten. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** Reads `length` bytes from `start` with one ranged GET. Throws {@link NotFoundError} if the object is gone. */
  getRange(key: string, start: number, length: number): Promise<Buffer>;
  delete(key: string): Promise<void>;
  /** Up to `limit` keys under `prefix` (one listing page: for purging a deleted topic, never on a hot path). */
  list(prefix: string, limit: number): Promise<string[]>;
}

/**
 * The S3 implementation. Bodies are sent as Buffers (not streams) because s3rver stores
 * `aws-chunked` stream uploads corrupted.
 *
 * @example
 * const segments = createS3SegmentStore({ s3, bucket: config.bucket });
 */
export function createS3SegmentStore(options: { s3: S3Client; bucket: string }): SegmentStore {
  const { s3, bucket } = options;
  return {
    async put(key, bytes) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/vnd.sluice.segment',
        }),
      );
    },
    async getRange(key, start, length) {
      try {
        const response = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${start + length - 1}` }),
        );
        const bytes = Buffer.from(
          await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        );
        return bytes;
      } catch (error) {
        if (error instanceof NoSuchKey) {
          throw new NotFoundError(`Segment object ${key} is gone (removed by retention).`, { cause: error });
        }
        throw error;
      }
    },
    async delete(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async list(prefix, limit) {
      // One page, no continuation: callers delete what they got and ask again.
      const { Contents } = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: limit }),
      );
      return (Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    },
  };
}
