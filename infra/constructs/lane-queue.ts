/**
 * One queue of the topology with its dead-letter queue (FIFO when the lane is FIFO), both encrypted with
 * the stack's CMK and SSL-only, plus an alarm that fires as soon as anything is parked in the DLQ.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueSpec } from '../../shared/app/topology';

export interface LaneQueueProps {
  /** `tajo-<stage>-<queue>`, used for the alarm name. */
  displayName: string;
  spec: QueueSpec;
  key: kms.IKey;
}

/** SQS's maximum retention: a parked message stays as long as SQS allows, for inspection and replay. */
const DLQ_RETENTION = Duration.days(14);

export class LaneQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: LaneQueueProps) {
    super(scope, id);
    const { spec, key } = props;
    const common = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      ...(spec.fifo ? { fifo: true } : {}),
    };

    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', { ...common, retentionPeriod: DLQ_RETENTION });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...common,
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(spec.retentionDays),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DlqNotEmpty', {
      alarmName: `${props.displayName}-dlq-not-empty`,
      alarmDescription: `Messages parked in the dead-letter queue of ${props.displayName} (${spec.description}). Inspect and replay them.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
