/**
 * Errors in the words of a CLI user. The server's messages advise HTTP callers (an endpoint
 * to POST to, a query parameter to set); here the same failures advise the command to type
 * instead. Each error is recognised by its class and `error_code`, never by its wording.
 */
import { GroupNotEmptyError, NotFoundError, OffsetOutOfRangeError, SluiceError } from '../shared/errors';
import { UNKNOWN_GROUP_ERROR_CODE } from '../shared/groups/service';

/** What a command was working on when the error happened. */
export interface Subject {
  readonly topic?: string;
  readonly group?: string;
  readonly partition?: number;
  /** The offset asked for, as typed. */
  readonly offset?: string;
}

/** An error already worded for the CLI user. */
export class AdvisedError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'AdvisedError';
  }
}

const UNKNOWN_TOPIC = 40401;
const UNKNOWN_CLUSTER = 404;

/**
 * One line for the user: what went wrong and which command or setting fixes it.
 *
 * @example
 * explain(new NotFoundError('…', { errorCode: 40401 }), { topic: 'orders' });
 * // 'Topic "orders" does not exist: create it with `sluice topics create orders --partitions N`.'
 */
export function explain(error: unknown, subject: Subject = {}): string {
  if (error instanceof AdvisedError) return oneLine(error.message);
  if (isMissingCredentials(error)) {
    return (
      'No AWS credentials found to sign the request: set AWS_PROFILE to a profile from ~/.aws/config ' +
      '(after `aws sso login --profile NAME` if it uses SSO), or set AWS_ACCESS_KEY_ID and ' +
      'AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary ones). A local server over http:// needs none.'
    );
  }
  if (error instanceof NotFoundError) {
    const topic = error.topic ?? subject.topic;
    if (error.errorCode === UNKNOWN_TOPIC && topic !== undefined) {
      return `Topic "${topic}" does not exist: create it with \`sluice topics create ${topic} --partitions N\` (\`sluice topics list\` shows the topics).`;
    }
    if (error.errorCode === UNKNOWN_GROUP_ERROR_CODE) {
      return `${oneLine(error.message)} \`sluice groups list\` shows the groups.`;
    }
    if (error.errorCode === UNKNOWN_CLUSTER) {
      return `${oneLine(error.message)} Pass that id with --cluster, or leave --cluster out.`;
    }
  }
  if (error instanceof GroupNotEmptyError) {
    const see =
      subject.group === undefined
        ? ''
        : ` \`sluice groups describe ${subject.group}\` shows its members' partitions.`;
    return `${oneLine(error.message)}${see}`;
  }
  if (error instanceof OffsetOutOfRangeError) {
    const topic = error.topic ?? subject.topic;
    const partition = error.partition ?? subject.partition;
    const offset = error.offset ?? subject.offset;
    const where = topic === undefined ? 'the partition' : `partition ${partition ?? '?'} of topic "${topic}"`;
    const { logStartOffset: start, logEndOffset: end } = error;
    const held =
      end > start
        ? `its records are at offsets ${start} to ${end - 1} and the next one will be ${end}`
        : `it holds no records and the next one will be ${end}`;
    return (
      `Offset ${offset ?? '?'} is outside ${where}: ${held}. ` +
      `Use --offset earliest, --offset latest, or an offset from ${start} to ${end}.`
    );
  }
  if (error instanceof SluiceError || error instanceof Error) return oneLine(error.message || error.name);
  return oneLine(String(error));
}

/**
 * Runs one step of a command, rewording its failure with {@link explain} for `subject`.
 *
 * @example
 * await about({ topic }, () => admin.deleteTopic(topic));
 */
export async function about<T>(subject: Subject, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AdvisedError) throw error;
    const message = explain(error, subject);
    if (error instanceof Error && message === oneLine(error.message)) throw error;
    throw new AdvisedError(message, error);
  }
}

/** The AWS SDK's "no credentials anywhere in the chain" (checked by name: it may come from another realm). */
function isMissingCredentials(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Object && depth < 5; e = (e as Error).cause, depth++) {
    if ((e as Error).name === 'CredentialsProviderError') return true;
  }
  return false;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
