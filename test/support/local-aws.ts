import { assertJavaAvailable } from '../../local/emulators/java';
import { type LocalAws, startLocalAws } from '../../local/emulators/local-aws';
import { configFromEnv, type SluiceConfig } from '../../shared/config';
import { type AwsClients, createAwsClients } from '../../shared/storage/aws';
import { provisionResources } from '../../shared/storage/provision';

// Jest runs globalSetup and globalTeardown in the same process; only globalThis links them.
const HANDLE = Symbol.for('sluice.integration.localAws');
type WithHandle = { [HANDLE]?: LocalAws };

/**
 * Jest global setup of the integration project. With `AWS_ENDPOINT_URL` already set
 * (LocalStack, a running `npm start`) it only provisions the bucket and tables there.
 * Otherwise it starts the local emulators in memory and sets `AWS_ENDPOINT_URL` to their edge,
 * which the test workers inherit.
 *
 * @example
 * // test/integration/global-setup.ts
 * export default setupIntegrationAws;
 */
export async function setupIntegrationAws(): Promise<void> {
  if (!process.env.AWS_ENDPOINT_URL) {
    assertJavaAvailable();
    const aws = await startLocalAws();
    (globalThis as WithHandle)[HANDLE] = aws;
    process.env.AWS_ENDPOINT_URL = aws.endpoint;
  }
  const { config, clients } = integrationAws();
  try {
    await provisionResources(config, clients);
  } catch (error) {
    // Jest skips globalTeardown when globalSetup fails, so nothing else would stop the JVM.
    await teardownIntegrationAws();
    throw error;
  } finally {
    destroyClients(clients);
  }
}

/**
 * Jest global teardown of the integration project: stops what {@link setupIntegrationAws}
 * started, if anything.
 *
 * @example
 * // test/integration/global-teardown.ts
 * export default teardownIntegrationAws;
 */
export async function teardownIntegrationAws(): Promise<void> {
  const aws = (globalThis as WithHandle)[HANDLE];
  if (!aws) return;
  delete (globalThis as WithHandle)[HANDLE];
  delete process.env.AWS_ENDPOINT_URL;
  await aws.stop();
}

/**
 * The configuration and SDK clients an integration test talks through: those of the
 * environment the global setup prepared. Destroy the clients in `afterAll`.
 *
 * @example
 * const { config, clients } = integrationAws();
 * afterAll(() => destroyClients(clients));
 */
export function integrationAws(): { config: SluiceConfig; clients: AwsClients } {
  const config = configFromEnv();
  if (!config.endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run integration tests through jest');
  return { config, clients: createAwsClients(config) };
}

/**
 * Closes the clients' sockets so jest workers exit promptly.
 *
 * @example
 * afterAll(() => destroyClients(clients));
 */
export function destroyClients(clients: AwsClients): void {
  clients.s3.destroy();
  clients.dynamodb.destroy();
}

export { uniqueName } from './names';

/**
 * Whether Java 17+ is present, for tests that start their own emulators and must be skipped
 * when the suite runs against LocalStack on a machine without Java.
 *
 * @example
 * const itWithJava = javaAvailable() ? it : it.skip;
 */
export function javaAvailable(): boolean {
  try {
    assertJavaAvailable();
    return true;
  } catch {
    return false;
  }
}
