/**
 * What ops watch: one CloudWatch dashboard (runs, rows/s, failures, provider 429s, lanes, DLQs,
 * webhook ack latency, Lambda health) and the alarms (failed runs, parked messages, stuck lanes), all
 * sent to one SNS topic. The custom metrics' names come from shared/core/metric-names.ts, the module the
 * functions emit them with; the lanes, functions and routes come from the topology.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { FunctionName, QueueName, RouteSpec, Topology } from '../../shared/app/topology';
import {
  METRIC,
  METRIC_DIMENSION,
  METRICS_NAMESPACE,
  type MetricName,
  RATE_LIMITED_PROVIDERS,
  RUN_CONNECTORS,
} from '../../shared/core/metric-names';
import type { LaneQueue } from './lane-queue';

export interface MonitoringProps {
  /** `tajo-<stage>`: dashboard, topic and alarm names. */
  prefix: string;
  stage: string;
  /** POWERTOOLS_SERVICE_NAME: Powertools adds it to every custom metric as the `service` dimension. */
  serviceName: string;
  topology: Topology;
  lanes: Record<QueueName, LaneQueue>;
  functions: Record<FunctionName, lambda.IFunction>;
  /** The HTTP API's id and stage name (route metrics are per ApiId, Stage, Method, Resource). */
  apiId: string;
  apiStage: string;
  key: kms.IKey;
  /** Optional: an email address subscribed to the alarm topic (`-c alarmEmail=ops@example.com`). */
  alarmEmail?: string;
}

/** Routes whose answer a provider waits for (webhooks, Slack requests): their ack latency is watched. */
export function ackRoutes(routes: RouteSpec[]): RouteSpec[] {
  return routes.filter((r) => r.function === 'ingress');
}

/** SQS holds a message at most 15 minutes (DelaySeconds) per hop; the timer queue re-sends it each hop. */
const MAX_DELAY_HOP_SECONDS = 900;
/** No lane alarm below this: a Retry-After or a burst can hold a healthy lane a few minutes. */
const MIN_LANE_AGE_SECONDS = 300;

/**
 * The age of a lane's oldest message above which the lane is stuck. A healthy message waits for the
 * step of its group in flight (at most the consumer's timeout) and its own step: twice the consumer's
 * timeout, and never less than 5 minutes (a parked group, a Slack Retry-After, a burst). A standard
 * (timer) queue's messages also wait out their delay hop (≤ 15 minutes) by design.
 * notionLane: 2 × 900 s = 30 min; slackLane (60 s) and brevoLane (30 s): 5 min; timerQueue: 5 + 15 = 20 min.
 */
export function laneAgeThresholdSeconds(topology: Topology, queue: QueueName): number {
  const consumers = Object.values(topology.functions).filter((f) => f.consumes?.queue === queue);
  const timeout = Math.max(0, ...consumers.map((f) => f.timeoutSeconds));
  const base = Math.max(MIN_LANE_AGE_SECONDS, 2 * timeout);
  return topology.queues[queue].fifo ? base : base + MAX_DELAY_HOP_SECONDS;
}

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly failedRunsAlarm: cloudwatch.Alarm;
  readonly laneAgeAlarms = {} as Record<QueueName, cloudwatch.Alarm>;
  /** Every alarm that notifies the topic (the lanes' DLQ alarms included). */
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { prefix, topology: topo } = props;
    const lanes = Object.entries(props.lanes) as [QueueName, LaneQueue][];

    // ---- The alarm topic: the stack's CMK (CloudWatch may use it, see the stack's key policy), TLS only.
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-alarms`,
      displayName: `Tajo connectors (${props.stage}) alarms`,
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new cwActions.SnsAction(this.topic);
    const notify = (alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };

    // ---- Custom metrics (EMF from the functions): the dimensions Powertools writes for them.
    const custom = (name: MetricName, extra: Record<string, string> = {}, label?: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: {
          [METRIC_DIMENSION.service]: props.serviceName,
          [METRIC_DIMENSION.stage]: props.stage,
          ...extra,
        },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
        ...(label ? { label } : {}),
      });
    const perConnector = (name: MetricName) =>
      RUN_CONNECTORS.map((c) => custom(name, { [METRIC_DIMENSION.connector]: c }, `${name} ${c}`));

    // ---- Alarms.
    // Failed runs: any run of any connector that ended failed (its reason: `tajo status`).
    const failedRuns = new cloudwatch.MathExpression({
      expression: RUN_CONNECTORS.map((_, i) => `FILL(f${i}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(perConnector(METRIC.runsFailed).map((m, i) => [`f${i}`, m])),
      label: 'Failed runs',
      period: Duration.minutes(5),
    });
    this.failedRunsAlarm = new cloudwatch.Alarm(this, 'FailedRuns', {
      alarmName: `${prefix}-failed-runs`,
      alarmDescription:
        'A connector run ended failed. `tajo status <connector> --tenant <id>` (or the status route) gives the ' +
        "run's reason; fix it (token, Brevo key, mapping), then run the sync again: it resumes from its checkpoint.",
      metric: failedRuns,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    notify(this.failedRunsAlarm);

    for (const [name, lane] of lanes) {
      // Parked messages (the lane's own DLQ alarm, created with the queue): to the topic too.
      notify(lane.deadLetterAlarm);
      const threshold = laneAgeThresholdSeconds(topo, name);
      const alarm = new cloudwatch.Alarm(this, `${name}Age`, {
        alarmName: `${prefix}-${name}-age`,
        alarmDescription:
          `The oldest message of ${prefix}-${name} has waited over ${threshold} s for 3 minutes: the lane is ` +
          "stuck or behind (worker failing, throttled, or a group held back). Check the worker's errors and the DLQ.",
        metric: lane.queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.laneAgeAlarms[name] = alarm;
      notify(alarm);
    }

    // ---- Dashboard.
    const minute = Duration.minutes(1);
    const rowsPerSecond = RUN_CONNECTORS.map(
      (c, i) =>
        new cloudwatch.MathExpression({
          expression: `FILL(r${i}, 0) / PERIOD(r${i})`,
          usingMetrics: { [`r${i}`]: custom(METRIC.rowsWritten, { [METRIC_DIMENSION.connector]: c }) },
          label: `rows/s ${c}`,
          period: Duration.minutes(5),
        }),
    );
    const fns = Object.entries(props.functions) as [FunctionName, lambda.IFunction][];
    const routeLatency = (route: RouteSpec, p: 'p50' | 'p99') =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName: 'Latency',
        dimensionsMap: { ApiId: props.apiId, Stage: props.apiStage, Method: route.method, Resource: route.path },
        statistic: p,
        period: minute,
        label: `${p} ${route.method} ${route.path}`,
      });
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# Tajo connectors (${props.stage})\n` +
          "Runs, rows and 429s are the functions' own metrics (namespace `" +
          METRICS_NAMESPACE +
          '`); lanes and DLQs are SQS; ack latency is API Gateway per webhook route. What to do when an ' +
          'alarm fires: docs/deploy.md, "Monitoring".',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Runs (succeeded / failed)', [...perConnector(METRIC.runsSucceeded), ...perConnector(METRIC.runsFailed)]),
      graph('Rows written to Brevo (rows/s)', rowsPerSecond),
    );
    this.dashboard.addWidgets(
      graph('Failures', [
        ...perConnector(METRIC.runsFailed),
        ...perConnector(METRIC.rowsFailed),
        custom(METRIC.notificationsFailed, {}, 'Slack notifications failed'),
        custom(METRIC.brevoActionsFailed, {}, 'Brevo actions failed'),
        custom(METRIC.eventDeliveriesFailed, {}, 'Event deliveries failed'),
        custom(METRIC.eventsPublishFailed, {}, 'Events not published'),
      ]),
      graph(
        'Provider 429s',
        RATE_LIMITED_PROVIDERS.map((p) =>
          custom(METRIC.providerRateLimited, { [METRIC_DIMENSION.provider]: p }, `429 ${p}`),
        ),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Lane depth (visible messages)',
        lanes.map(([name, l]) =>
          l.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum', label: name }),
        ),
      ),
      graph(
        'Lane age of oldest message (s)',
        lanes.map(([name, l]) =>
          l.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum', label: name }),
        ),
        {
          leftAnnotations: lanes.map(([name]) => ({
            value: laneAgeThresholdSeconds(topo, name),
            label: `${name} alarm`,
          })),
        },
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'DLQ depth (parked messages)',
        lanes.map(([name, l]) =>
          l.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: 'Maximum',
            label: `${name} DLQ`,
          }),
        ),
      ),
      graph(
        'Webhook ack latency (ms, p50 / p99)',
        ackRoutes(topo.routes).flatMap((r) => [routeLatency(r, 'p50'), routeLatency(r, 'p99')]),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Lambda errors / throttles',
        fns.flatMap(([name, fn]) => [
          fn.metricErrors({ period: Duration.minutes(5), label: `${name} errors` }),
          fn.metricThrottles({ period: Duration.minutes(5), label: `${name} throttles` }),
        ]),
      ),
      graph(
        'Lambda duration p99 (ms)',
        fns.map(([name, fn]) => fn.metricDuration({ period: Duration.minutes(5), statistic: 'p99', label: name })),
      ),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
  }
}
