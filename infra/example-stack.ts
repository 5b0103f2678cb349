import * as path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Sluice } from './sluice';
import { REPO_ROOT, SluiceFunction } from './sluice-function';
import type { SluiceProps } from './sluice-props';

/** Entry of the example consumer handler. */
export const ORDER_HANDLER_ENTRY = path.join(REPO_ROOT, 'functions', 'examples', 'order-handler.ts');

/** Properties of the example stack. */
export interface SluiceExampleStackProps extends StackProps {
  /**
   * Properties passed to the Sluice construct.
   * @default {}
   */
  readonly sluice?: SluiceProps;
}

/**
 * The ready-to-deploy stack of `cdk.json`: one Sluice cluster and one example consumer
 * group, `orders-app`, that logs every record of topic `orders`.
 *
 * Topics are data, not infrastructure: create `orders` (and its dead-letter topic
 * `orders-dlq`) through the API after deploying, e.g.
 * `sluice topics create orders --partitions 6 --url <EndpointUrl>`. Until the topic exists
 * the group's function finds nothing to do. The group keeps the default trigger, 'stream'.
 */
export class SluiceExampleStack extends Stack {
  /** The cluster. */
  readonly sluice: Sluice;
  /** The example consumer handler. */
  readonly orderHandler: SluiceFunction;

  constructor(scope: Construct, id: string, props: SluiceExampleStackProps = {}) {
    super(scope, id, props);
    this.sluice = new Sluice(this, 'Sluice', props.sluice);
    this.orderHandler = new SluiceFunction(this, 'OrderHandler', {
      entry: ORDER_HANDLER_ENTRY,
      description: 'Example Sluice consumer: logs each record of topic orders',
      memorySize: 256,
      timeout: Duration.seconds(60),
    });
    this.sluice.addConsumer('orders-app', {
      topics: ['orders'],
      handler: this.orderHandler.function,
      batchSize: 100,
      maxBatchingWindow: Duration.millis(500),
      startingPosition: 'TRIM_HORIZON',
      retryAttempts: 3,
      bisectOnError: true,
      onFailure: 'orders-dlq',
    });
    new CfnOutput(this, 'OrderHandlerLogGroup', {
      value: this.orderHandler.logGroup.logGroupName,
      description: 'Log group of the example consumer (aws logs tail <name> --follow)',
    });
    new CfnOutput(this, 'ApiId', {
      value: this.sluice.httpApi.apiId,
      description:
        'API Gateway HTTP API id: arn:aws:execute-api:<region>:<account>:<ApiId>/$default/<METHOD>/<path>',
    });
    // The cluster is the only one of this stack, so its outputs keep their plain names
    // (`EndpointUrl`, not `SluiceEndpointUrl81AEA72B`): docs/deploy.md reads them by name.
    for (const child of this.sluice.node.children) {
      if (child instanceof CfnOutput) child.overrideLogicalId(child.node.id);
    }
  }
}
