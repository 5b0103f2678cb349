/**
 * Runs `kill-writer.ts` in its own Node process: it appends one record to partition 0 of a
 * topic and kills itself with SIGKILL at the named point of the append, so a test sees what a
 * crashed writer leaves in storage.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(__dirname, 'kill-writer.ts');

/** With a producer id: the batch is sent as this producer's `sequence`, stamped `timestamp`. */
export interface KilledWriterProducer {
  readonly id: string;
  readonly sequence: number;
  readonly timestamp: number;
}

/**
 * Resolves with the signal the writer died of; rejects if it answered instead.
 *
 * @example
 * expect(await runKilledWriter(topic.name, 'after-reserve', 'killed')).toBe('SIGKILL');
 */
export function runKilledWriter(
  topicName: string,
  killAt: string,
  value: string,
  producer?: KilledWriterProducer,
): Promise<NodeJS.Signals | null> {
  const producerArgs = producer ? [producer.id, String(producer.sequence), String(producer.timestamp)] : [];
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', SCRIPT, topicName, killAt, value, ...producerArgs],
      { env: process.env },
    );
    let stdout = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (stdout.includes('answered')) reject(new Error('the writer answered instead of dying'));
      else resolve(signal);
    });
  });
}
