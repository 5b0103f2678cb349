/**
 * The Sluice CDK library: the {@link Sluice} construct (grants and metrics on
 * {@link SluiceBase}), its consumer groups, its monitoring, and the function construct every
 * Sluice Lambda function is built with.
 *
 * @example
 * import { Sluice } from './infra';
 * const sluice = new Sluice(stack, 'Sluice');
 */
export * from './consumer-group';
export * from './consumer-options';
export * from './monitoring';
export { type RouteRole, SLUICE_ROUTES, type SluiceRoute } from './routes';
export * from './sluice';
export * from './sluice-base';
export * from './sluice-function';
export type {
  SluiceConsumer,
  SluiceEndpoint,
  SluiceFunctionOptions,
  SluiceProps,
  SluiceProvisionedCapacity,
  SluiceScheduledFunctionOptions,
  TableCapacityRange,
} from './sluice-props';
export * from './stream-dispatcher';
