import { createHash } from 'node:crypto';
import { InvalidRequestError } from '../errors';
import type { ProducerIdentity } from '../log';
import type { HttpRequest } from './types';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Reads `Sluice-Producer-Id` and `Sluice-Producer-Seq`. The sequence is either one integer
 * (the base sequence for every partition the request touches) or `partition:seq` pairs
 * separated by commas, for producers that track a sequence per partition as Kafka's do.
 *
 * On AWS the id is scoped to the caller's IAM principal: the same id sent by two principals
 * names two producers, so one cannot touch the other's sequence state at all. Locally (no
 * principal) the batch digest kept with the state is what keeps producers apart.
 */
export function producerFromHeaders(request: HttpRequest): ProducerIdentity | undefined {
  const id = request.headers['sluice-producer-id'];
  const seq = request.headers['sluice-producer-seq'];
  if (id === undefined && seq === undefined) return undefined;
  if (id === undefined || seq === undefined) {
    throw new InvalidRequestError('Send Sluice-Producer-Id and Sluice-Producer-Seq together, or neither.');
  }
  if (!ID.test(id)) {
    throw new InvalidRequestError('Sluice-Producer-Id must be 1 to 128 characters from [A-Za-z0-9._:-].');
  }
  const scoped = request.principal === undefined ? id : `${id}@${principalTag(request.principal)}`;
  const text = seq.trim();
  if (/^\d+$/.test(text)) {
    const sequence = toSequence(text);
    return { id: scoped, sequenceFor: () => sequence };
  }
  const perPartition = new Map<number, number>();
  for (const pair of text.split(',')) {
    const match = /^\s*(\d+):(\d+)\s*$/.exec(pair);
    if (!match) {
      throw new InvalidRequestError(
        `Sluice-Producer-Seq "${seq}" is not an integer or a list of partition:sequence pairs (e.g. "0:12,3:40").`,
      );
    }
    perPartition.set(Number(match[1]), toSequence(match[2]));
  }
  return {
    id: scoped,
    sequenceFor(partition) {
      const sequence = perPartition.get(partition);
      if (sequence === undefined) {
        throw new InvalidRequestError(
          `Sluice-Producer-Seq gives no sequence for partition ${partition}, which this request writes to.`,
          { partition },
        );
      }
      return sequence;
    },
  };
}

/** A short, fixed-length tag of a principal ARN (128 bits of its SHA-256) for the state's key. */
function principalTag(principal: string): string {
  return createHash('sha256').update(principal, 'utf8').digest('base64url').slice(0, 22);
}

function toSequence(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1) {
    throw new InvalidRequestError(
      `Sluice-Producer-Seq ${text} is too large: sequences are 32-bit, as in Kafka.`,
    );
  }
  return n;
}
