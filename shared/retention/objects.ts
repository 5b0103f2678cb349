import { decodeSegmentHeader, segmentHeaderSize } from '../codec';
import { NotFoundError } from '../errors';
import type { Topic } from '../topics/registry';
import type { TouchedSegment } from './partition';
import type { RetentionDeps } from './types';

/** What happened to one object whose slots retention removed. */
export type ObjectOutcome = 'deleted' | 'kept' | 'missing';

/** Enough for one ranged GET to cover the header of an object of up to 340 sections. */
const HEADER_GUESS = 4096;

/**
 * Deletes a segment object once no slot references it. An object holds sections of
 * several partitions of the topic, so its header's directory says which partitions to ask;
 * partitions in `gone` (this sweep saw their item deleted) are not asked again. Any item
 * still pointing at the object keeps it — a later sweep, the one deleting that item,
 * deletes it then. Call only after the slots were deleted: index first, then S3. `logStarts`
 * (each partition's log start as this sweep left it) lets the check skip what lies below:
 * no reader goes there, and expired inline slots wait there for their TTL.
 *
 * @example
 * await collectSegment(deps, topic, touched, new Set([touched.partition]));
 */
export async function collectSegment(
  deps: RetentionDeps,
  topic: Topic,
  segment: TouchedSegment,
  gone: ReadonlySet<number>,
  logStarts: readonly number[] = [],
): Promise<ObjectOutcome> {
  const header = await readHeader(deps, segment);
  if (!header) return 'missing';
  const lateAfter = segment.appendedAt + (deps.commitGraceMs ?? 300_000);
  for (const { partition } of decodeSegmentHeader(header)) {
    if (gone.has(partition)) continue;
    const from = logStarts[partition];
    if (await deps.index.holdsSegment(topic.id, partition, segment.segmentKey, lateAfter, from))
      return 'kept';
  }
  await deps.segments.delete(segment.segmentKey);
  return 'deleted';
}

/** The object's header with one ranged GET (two for very wide objects); undefined if the object is gone. */
async function readHeader(deps: RetentionDeps, segment: TouchedSegment): Promise<Buffer | undefined> {
  try {
    // Every section starts after the header, so this range never runs past the object.
    let bytes = await deps.segments.getRange(
      segment.segmentKey,
      0,
      Math.min(HEADER_GUESS, segment.byteStart),
    );
    const size = segmentHeaderSize(bytes);
    if (size > bytes.length) bytes = await deps.segments.getRange(segment.segmentKey, 0, size);
    return bytes;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
