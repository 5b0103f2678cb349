import { teardownIntegrationAws } from '../../shared/local/testing';

/** Stops the emulators the global setup started, if it started any. */
export default teardownIntegrationAws;
