/**
 * Local stand-ins for the AWS APIs Sluice uses: DynamoDB Local and s3rver behind one
 * LocalStack-style edge. Used by `npm start`, the integration tests and the benchmark.
 *
 * @example
 * import { assertJavaAvailable, startLocalAws } from './emulators';
 * assertJavaAvailable();
 * const aws = await startLocalAws();
 */
export { assertJavaAvailable, JAVA_REQUIRED_MESSAGE } from './java';
export { DEFAULT_LOCAL_AWS_PORT, type LocalAws, type LocalAwsOptions, startLocalAws } from './local-aws';
