import { spawnSync } from 'node:child_process';

/** The smallest Java feature release that runs the bundled DynamoDB Local. */
export const MIN_JAVA_VERSION = 17;

/** The one sentence shown (by the harness and by `.ci/run`) when Java is missing or too old. */
export const JAVA_REQUIRED_MESSAGE =
  'Java 17 or newer is needed to run DynamoDB Local: install it (Debian/Ubuntu: sudo apt-get install ' +
  'default-jre-headless; macOS: brew install openjdk) or set AWS_ENDPOINT_URL to LocalStack or AWS.';

/**
 * Reads the feature release from `java -version` output, which names both the old scheme
 * (`"1.8.0_392"` → 8) and the new one (`"17.0.15"` → 17).
 *
 * @example
 * parseJavaVersion('openjdk version "17.0.15" 2025-04-15'); // 17
 */
export function parseJavaVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/**
 * Throws an Error carrying {@link JAVA_REQUIRED_MESSAGE} unless `java` on PATH is version 17 or
 * newer. Runs `java -version` once (about 0.1 s).
 *
 * @example
 * if (!process.env.AWS_ENDPOINT_URL) assertJavaAvailable();
 */
export function assertJavaAvailable(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 30_000 });
  const version = result.error ? undefined : parseJavaVersion(`${result.stderr}\n${result.stdout}`);
  if (version === undefined || version < MIN_JAVA_VERSION) throw new Error(JAVA_REQUIRED_MESSAGE);
}
