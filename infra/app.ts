/**
 * The CDK app of `cdk.json`: deploys the example Sluice stack, checked by cdk-nag's AWS
 * Solutions rules (synthesis fails on any unacknowledged finding).
 *
 * The stack is environment-agnostic, so `npx cdk synth` works offline with no account.
 * Set `CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION` (the CLI does when credentials exist)
 * only if you add constructs that need a concrete environment.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SluiceExampleStack } from './example-stack';

const app = new App();
new SluiceExampleStack(app, 'Sluice', {
  description: 'Sluice: serverless event backbone with Apache Kafka semantics (S3, DynamoDB, Lambda)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
