/**
 * The SQS lane adapter's settings for this deployment: each lane's kind from the topology, its
 * queue URLs from the environment the stack sets (the local runtime points them at fauxqs).
 */
import type { SqsLaneSettings } from '../../shared/adapters/aws/sqs-lane';
import { type QueueName, topology } from '../../shared/app/topology';
import { ENV, optionalEnv } from '../../shared/core/env';

export function sqsLanesFromEnv(env: NodeJS.ProcessEnv = process.env): (lane: string) => SqsLaneSettings {
  return (lane) => {
    const queue = lane as QueueName;
    return {
      fifo: topology.queues[queue].fifo,
      url: optionalEnv(ENV.queueUrl(queue), env),
      deadLetterUrl: optionalEnv(ENV.dlqUrl(queue), env),
      urlSetting: ENV.queueUrl(queue),
      deadLetterUrlSetting: ENV.dlqUrl(queue),
    };
  };
}
