import { teardownIntegrationAws } from '../support/local-aws';

/** Stops the emulators the global setup started, if it started any. */
export default teardownIntegrationAws;
