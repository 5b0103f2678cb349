/**
 * The Sluice CDK library: the {@link Sluice} construct, its consumer options and the
 * function construct every Sluice Lambda function is built with.
 *
 * @example
 * import { Sluice } from './infra';
 * const sluice = new Sluice(stack, 'Sluice');
 */
export * from './consumer-options';
export { type RouteRole, SLUICE_ROUTES, type SluiceRoute } from './routes';
export * from './sluice';
export * from './sluice-function';
export type {
  SluiceConsumer,
  SluiceFunctionOptions,
  SluiceProps,
  SluiceScheduledFunctionOptions,
} from './sluice-props';
