import { setupIntegrationAws } from '../support/local-aws';

/** Starts the local emulators unless AWS_ENDPOINT_URL names some already, and provisions them. */
export default setupIntegrationAws;
