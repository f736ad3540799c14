/**
 * What ops see in the synthesized template: the dashboard's widgets, each alarm with its SNS action,
 * the encrypted SSL-only topic and its outputs, the optional email subscription; cdk-nag stays clean
 * (Template.fromStack runs the AwsSolutions plugin and throws on any finding).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ackRoutes, laneAgeThresholdSeconds } from '../../infra/constructs/monitoring';
import { createTajoApp, type TajoStack } from '../../infra/stack';
import { type QueueName, topology } from '../../shared/app/topology';
import { METRIC, METRICS_NAMESPACE, RATE_LIMITED_PROVIDERS } from '../../shared/core/metric-names';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const TMP_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'tajo-monitoring-test-'));
const outdir = () => fs.mkdtempSync(path.join(TMP_ROOT, 'cdk.out-'));
afterAll(() => fs.rmSync(TMP_ROOT, { recursive: true, force: true }));

const queueNames = Object.keys(topology.queues) as QueueName[];

/** The dashboard body as text, each CloudFormation reference shown as `<Logical>` / `<Logical.Attr>`. */
function dashboardText(t: Template): string {
  const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0].Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof body === 'string') return body;
  return body['Fn::Join'][1]
    .map((x) => {
      if (typeof x === 'string') return x;
      const o = x as { Ref?: string; 'Fn::GetAtt'?: string[] };
      return o.Ref ? `<${o.Ref}>` : `<${(o['Fn::GetAtt'] ?? []).join('.')}>`;
    })
    .join('');
}

interface Widget {
  type: string;
  properties: { title?: string; metrics?: unknown[][]; annotations?: { horizontal?: { value: number }[] } };
}

describe('monitoring (dev)', () => {
  let stack: TajoStack;
  let t: Template;
  let widgets: Widget[];
  let text: string;
  const id = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
  const topicRef = () => ({ Ref: id(stack.monitoring.topic) });
  const widget = (title: string) => {
    const w = widgets.find((x) => x.properties.title === title);
    if (!w) throw new Error(`no widget "${title}" (have: ${widgets.map((x) => x.properties.title).join(', ')})`);
    return w;
  };
  /** The metrics of a widget as strings `namespace name dim value ...` (options objects left out). */
  const lines = (w: Widget) =>
    (w.properties.metrics ?? []).map((m) => m.filter((x) => typeof x === 'string').join(' '));

  beforeAll(() => {
    ({ stack } = createTajoApp({ stage: 'dev', context: NO_BUNDLING, outdir: outdir() }));
    t = Template.fromStack(stack); // cdk-nag runs here: throws on any unacknowledged finding
    text = dashboardText(t);
    widgets = (JSON.parse(text) as { widgets: Widget[] }).widgets;
  });

  test('the alarm topic: the stack key, SSL only, named in the outputs', () => {
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'tajo-dev-alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [id(stack.key), 'Arn'] },
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef()],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const outputs = t.findOutputs('*');
    expect(outputs.AlarmTopicArn.Value).toEqual(topicRef());
    expect(outputs.AlarmTopicName.Value).toEqual({ 'Fn::GetAtt': [id(stack.monitoring.topic), 'TopicName'] });
    expect(outputs.DashboardName.Value).toEqual({ Ref: id(stack.monitoring.dashboard) });
    // No subscription unless -c alarmEmail=... is given.
    t.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test("CloudWatch may use the stack key for this stage's alarms only (the topic is encrypted with it)", () => {
    const key = Object.values(t.findResources('AWS::KMS::Key'))[0];
    const statements = key.Properties.KeyPolicy.Statement as {
      Sid?: string;
      Principal: unknown;
      Action: string[];
      Condition: Record<string, Record<string, unknown>>;
    }[];
    const cw = statements.find((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
    expect(cw?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(JSON.stringify(cw?.Condition.ArnLike['aws:SourceArn'])).toContain(':alarm:tajo-dev-*');
    expect(cw?.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
  });

  test('alarms: failed runs, every DLQ, every lane age; each notifies the topic (alarm and OK)', () => {
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(1 + 2 * queueNames.length);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([topicRef()]);
      expect(a.Properties.OKActions).toEqual([topicRef()]);
      expect(a.Properties.AlarmDescription.length).toBeGreaterThan(60);
    }

    // Failed runs: the sum of RunsFailed over the connectors, >= 1 in 5 minutes.
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'tajo-dev-failed-runs',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(f0, 0) + FILL(f1, 0)', ReturnData: true }),
        Match.objectLike({
          Id: 'f0',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: METRICS_NAMESPACE,
              MetricName: METRIC.runsFailed,
              Dimensions: Match.arrayWith([{ Name: 'connector', Value: 'notion' }]),
            }),
            Stat: 'Sum',
          }),
        }),
      ]),
    });

    for (const q of queueNames) {
      const lane = stack.queues[q];
      // DLQ: anything visible.
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `tajo-dev-${q}-dlq-not-empty`,
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(lane.deadLetterQueue), 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      // Lane age: the oldest message over the lane's threshold for 3 minutes.
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `tajo-dev-${q}-age`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(lane.queue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: laneAgeThresholdSeconds(topology, q),
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  test("lane age thresholds follow the consumers' timeouts (2x, at least 5 min; + a 15-min delay hop for timers)", () => {
    expect(laneAgeThresholdSeconds(topology, 'notionLane')).toBe(1800);
    expect(laneAgeThresholdSeconds(topology, 'slackLane')).toBe(300);
    expect(laneAgeThresholdSeconds(topology, 'brevoLane')).toBe(300);
    expect(laneAgeThresholdSeconds(topology, 'timerQueue')).toBe(1200);
    const slower = {
      ...topology,
      functions: {
        ...topology.functions,
        slackWorker: { ...topology.functions.slackWorker, timeoutSeconds: 600 },
      },
    };
    expect(laneAgeThresholdSeconds(slower, 'slackLane')).toBe(1200);
  });

  test('dashboard: runs, rows/s, failures, 429s per provider', () => {
    t.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'tajo-dev' });
    const runs = lines(widget('Runs (succeeded / failed)'));
    for (const c of ['notion', 'slack']) {
      expect(runs).toContain(`Tajo RunsSucceeded connector ${c} service tajo-connectors stage dev`);
      expect(runs).toContain(`Tajo RunsFailed connector ${c} service tajo-connectors stage dev`);
    }
    const rows = widget('Rows written to Brevo (rows/s)').properties.metrics ?? [];
    expect(rows.some((m) => JSON.stringify(m).includes('FILL(r0, 0) / PERIOD(r0)'))).toBe(true);
    expect(lines(widget('Rows written to Brevo (rows/s)'))).toContain(
      'Tajo RowsWritten connector notion service tajo-connectors stage dev',
    );
    const failures = lines(widget('Failures'));
    expect(failures).toContain('Tajo RowsFailed connector notion service tajo-connectors stage dev');
    expect(failures).toContain('Tajo NotificationsFailed service tajo-connectors stage dev');
    expect(failures).toContain('Tajo BrevoActionsFailed service tajo-connectors stage dev');
    const limited = lines(widget('Provider 429s'));
    for (const p of RATE_LIMITED_PROVIDERS) {
      expect(limited).toContain(`Tajo ProviderRateLimited provider ${p} service tajo-connectors stage dev`);
    }
  });

  test('dashboard: depth and age of each lane, depth of each DLQ (with the age alarms drawn)', () => {
    const depth = lines(widget('Lane depth (visible messages)'));
    const age = widget('Lane age of oldest message (s)');
    const dlq = lines(widget('DLQ depth (parked messages)'));
    for (const q of queueNames) {
      const lane = stack.queues[q];
      expect(depth).toContain(`AWS/SQS ApproximateNumberOfMessagesVisible QueueName <${id(lane.queue)}.QueueName>`);
      expect(lines(age)).toContain(`AWS/SQS ApproximateAgeOfOldestMessage QueueName <${id(lane.queue)}.QueueName>`);
      expect(dlq).toContain(
        `AWS/SQS ApproximateNumberOfMessagesVisible QueueName <${id(lane.deadLetterQueue)}.QueueName>`,
      );
    }
    expect((age.properties.annotations?.horizontal ?? []).map((a) => a.value).sort((a, b) => a - b)).toEqual(
      queueNames.map((q) => laneAgeThresholdSeconds(topology, q)).sort((a, b) => a - b),
    );
  });

  test('dashboard: ack latency p50/p99 per webhook route, which get detailed (route) metrics', () => {
    const routes = ackRoutes(topology.routes);
    expect(routes.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/webhooks/brevo/{tenantId}', '/webhooks/notion/{tenantId}', '/slack/events']),
    );
    const w = widget('Webhook ack latency (ms, p50 / p99)');
    const metrics = w.properties.metrics ?? [];
    const apiId = `<${id(stack.httpApi.api)}>`;
    for (const r of routes) {
      for (const stat of ['p50', 'p99']) {
        const found = metrics.some((m) => {
          const s = m.filter((x) => typeof x === 'string').join(' ');
          const opts = m.find((x) => typeof x === 'object') as { stat?: string } | undefined;
          return (
            s.startsWith('AWS/ApiGateway Latency') &&
            s.includes(`ApiId ${apiId}`) &&
            s.includes('Stage $default') &&
            s.includes(`Method ${r.method}`) &&
            s.includes(`Resource ${r.path}`) &&
            opts?.stat === stat
          );
        });
        if (!found) throw new Error(`no ${stat} latency for ${r.method} ${r.path}`);
      }
    }
    const stage = Object.values(t.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const settings = stage.Properties.RouteSettings as Record<string, { DetailedMetricsEnabled: boolean }>;
    expect(Object.keys(settings).sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const s of Object.values(settings)) {
      expect(s).toEqual({ DetailedMetricsEnabled: true, ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 });
    }
  });

  test('dashboard: Lambda errors, throttles and p99 duration of every function', () => {
    const errors = lines(widget('Lambda errors / throttles'));
    const duration = lines(widget('Lambda duration p99 (ms)'));
    for (const [, fn] of Object.entries(stack.functions)) {
      expect(errors).toContain(`AWS/Lambda Errors FunctionName <${id(fn)}>`);
      expect(errors).toContain(`AWS/Lambda Throttles FunctionName <${id(fn)}>`);
      expect(duration).toContain(`AWS/Lambda Duration FunctionName <${id(fn)}>`);
    }
  });
});

describe('alarm email (-c alarmEmail=...)', () => {
  test('subscribes the address to the topic; nag stays clean', () => {
    const { stack } = createTajoApp({
      stage: 'dev',
      context: { ...NO_BUNDLING, alarmEmail: 'ops@example.com' },
      outdir: outdir(),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: stack.getLogicalId(stack.monitoring.topic.node.defaultChild as CfnElement) },
    });
  });

  test('something that is not an address is refused at synth; an empty value means none', () => {
    expect(() =>
      createTajoApp({ stage: 'dev', context: { ...NO_BUNDLING, alarmEmail: 'ops' }, outdir: outdir() }),
    ).toThrow('-c alarmEmail=ops: expected an email address (ops@example.com)');
    const { stack } = createTajoApp({ stage: 'dev', context: { ...NO_BUNDLING, alarmEmail: '' }, outdir: outdir() });
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
