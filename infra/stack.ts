/**
 * The Tajo connectors stack, one per stage, generated from `shared/app/topology.ts`: every function, queue,
 * route and schedule below comes from iterating over the topology; nothing is restated here.
 */
import {
  App,
  ArnFormat,
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import type { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../shared/adapters/dynamodb/table-schema';
import {
  type FunctionName,
  type QueueName,
  type ScheduleName,
  topology as sharedTopology,
  type Topology,
} from '../shared/app/topology';
import { ENV } from '../shared/core/env';
import { API_CALL_MODES, type ApiCallMode } from '../shared/core/logging/api-calls';
import { METRICS_NAMESPACE } from '../shared/core/metric-names';
import { ConnectionSchedule } from './constructs/connection-schedule';
import { DocumentLibrary } from './constructs/document-library';
import { LaneQueue } from './constructs/lane-queue';
import { ackRoutes, Monitoring } from './constructs/monitoring';
import { TajoFunction } from './constructs/tajo-function';
import { TajoHttpApi } from './constructs/tajo-http-api';
import { acknowledge, nagAction, nagResource } from './nag';

export const SERVICE_NAME = 'tajo-connectors';
export const DEFAULT_STAGE = 'dev';
/** The HTTP API stage's throttling (requests/s and burst), for every route. */
const HTTP_THROTTLE = { burstLimit: 200, rateLimit: 100 };

export interface StageSettings {
  stage: string;
  /** Stateful resources (table, key, log groups, schedule groups): DESTROY only for dev. */
  removalPolicy: RemovalPolicy;
  /** DynamoDB deletion protection: on for every stage but dev. */
  deletionProtection: boolean;
  logRetention: logs.RetentionDays;
  /** POWERTOOLS_LOG_LEVEL: INFO unless `-c logLevel=DEBUG` (debug lines are redacted like the rest). */
  logLevel: 'DEBUG' | 'INFO';
  /** TAJO_LOG_API_CALLS: `off` unless `-c logApiCalls=calls|bodies` (one line per provider call). */
  logApiCalls: ApiCallMode;
  /** `-c alarmEmail=ops@example.com`: subscribed to the alarm topic (confirmed from the email). */
  alarmEmail?: string;
}

/** The deploy-time logging switches (`npx cdk deploy -c logLevel=DEBUG -c logApiCalls=calls`). */
export interface LoggingContext {
  logLevel?: unknown;
  logApiCalls?: unknown;
  alarmEmail?: unknown;
}

export function stageSettings(stage: string, logging: LoggingContext = {}): StageSettings {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new Error(`stage "${stage}": use 1-20 lower-case letters, digits or '-', starting with a letter`);
  }
  const dev = stage === DEFAULT_STAGE;
  return {
    stage,
    removalPolicy: dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    deletionProtection: !dev,
    logRetention: dev ? logs.RetentionDays.TWO_WEEKS : logs.RetentionDays.THREE_MONTHS,
    logLevel: contextChoice('logLevel', logging.logLevel, ['INFO', 'DEBUG'] as const, 'INFO'),
    logApiCalls: contextChoice('logApiCalls', logging.logApiCalls, API_CALL_MODES, 'off'),
    ...(logging.alarmEmail !== undefined ? { alarmEmail: emailContext(logging.alarmEmail) } : {}),
  };
}

/** An empty value means no subscription (`-c alarmEmail=` turns it off); anything else must be an address. */
function emailContext(value: unknown): string | undefined {
  if (value === '') return undefined;
  if (typeof value === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) return value;
  throw new Error(`-c alarmEmail=${String(value)}: expected an email address (ops@example.com)`);
}

function contextChoice<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`-c ${name}=${String(value)}: expected one of ${allowed.join(', ')}`);
}

export interface TajoStackProps extends StackProps {
  stage: string;
  /** Defaults to the shared topology; tests may pass another one to prove the stack follows it. */
  topology?: Topology;
}

export class TajoStack extends Stack {
  readonly settings: StageSettings;
  readonly key: kms.Key;
  readonly table: dynamodb.TableV2;
  readonly queues = {} as Record<QueueName, LaneQueue>;
  /** The tenant event stream's bus (tajo.events.on). */
  readonly eventBus: events.EventBus;
  readonly functions = {} as Record<FunctionName, TajoFunction>;
  readonly schedules = {} as Record<ScheduleName, ConnectionSchedule>;
  readonly httpApi: TajoHttpApi;
  /** Dashboard, alarms and their SNS topic. */
  readonly monitoring: Monitoring;
  /** `tajo/<stage>/`: every connection token lives in Secrets Manager under this prefix. */
  readonly secretsPrefix: string;
  /** The deployment's distributed Slack app (`tajo/<stage>/slack-app`): a placeholder ops replace. */
  readonly slackAppSecret: secretsmanager.Secret;
  /** The functions that serve the distributed Slack app's routes (they get ENV.slackAppSecret). */
  readonly slackAppFunctions = new Set<FunctionName>();
  /** The deployment's Notion public connection (`tajo/<stage>/notion-app`): a placeholder ops replace. */
  readonly notionAppSecret: secretsmanager.Secret;
  /** The functions that use the OAuth apps (installs, token refreshes): both app secrets' references. */
  readonly oauthAppFunctions = new Set<FunctionName>();
  /** The document library's bucket (imported Notion pages), when a function of the topology uses it. */
  readonly documentLibrary?: DocumentLibrary;

  constructor(scope: Construct, id: string, { stage, topology: topo = sharedTopology, ...stackProps }: TajoStackProps) {
    super(scope, id, { description: `Tajo connectors (${stage}): Notion/Slack <-> Brevo`, ...stackProps });
    const s = stageSettings(stage, {
      logLevel: this.node.tryGetContext('logLevel'),
      logApiCalls: this.node.tryGetContext('logApiCalls'),
      alarmEmail: this.node.tryGetContext('alarmEmail'),
    });
    this.settings = s;
    const prefix = `tajo-${s.stage}`;
    this.secretsPrefix = `tajo/${s.stage}/`;
    Tags.of(this).add('project', SERVICE_NAME);
    Tags.of(this).add('stage', s.stage);

    // ---- One customer-managed key: table, queues, secrets, log groups.
    this.key = new kms.Key(this, 'Key', {
      alias: `alias/${prefix}`,
      description: `Tajo connectors (${s.stage}): table, queues, connection secrets and logs`,
      enableKeyRotation: true,
      removalPolicy: s.removalPolicy,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisStageLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': [
              this.logGroupArnPattern(`/aws/lambda/${prefix}-*`),
              this.logGroupArnPattern(`/tajo/${s.stage}/*`),
            ],
          },
        },
      }),
    );

    // ---- Table: single-table design, every key starts with the tenant; gsi1 for cross-tenant lookups.
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      // TableEncryptionV2.customerManagedKey() refuses region-agnostic stacks ("Replica SSE specification
      // cannot be rendered"), so render the same template by hand: SSE type KMS here, and the CMK on the
      // single (stack-region) replica below. Grants to the key are explicit (see the functions loop).
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      deletionProtection: s.deletionProtection,
      removalPolicy: s.removalPolicy,
      globalSecondaryIndexes: [
        {
          indexName: TABLE_SCHEMA.gsi1.name,
          partitionKey: { name: TABLE_SCHEMA.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: TABLE_SCHEMA.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
        },
      ],
    });
    (this.table.node.defaultChild as dynamodb.CfnGlobalTable).addPropertyOverride(
      'Replicas.0.SSESpecification.KMSMasterKeyId',
      this.key.keyArn,
    );

    // ---- Queues (lanes), each with its DLQ and DLQ alarm.
    for (const [name, spec] of entries(topo.queues)) {
      this.queues[name] = new LaneQueue(this, pascal(name), {
        displayName: `${prefix}-${name}`,
        spec,
        key: this.key,
      });
    }

    // ---- The tenant event stream: the bus, and its rules to their queues (topology.eventBus).
    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: `${prefix}-events` });
    for (const rule of topo.eventBus.rules) {
      new events.Rule(this, `${pascal(rule.name)}Rule`, {
        eventBus: this.eventBus,
        description: rule.description,
        eventPattern: { source: [topo.eventBus.source] },
        targets: [new eventTargets.SqsQueue(this.lane(rule.target).queue)],
      });
    }
    // The queues are encrypted with the stack's key: EventBridge must be able to write to them.
    this.key.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:GenerateDataKey', 'kms:Decrypt');

    // ---- Document library: imported Notion pages (only when a function of the topology uses it).
    if (Object.values(topo.functions).some((f) => f.documents)) {
      this.documentLibrary = new DocumentLibrary(this, 'Documents', {
        key: this.key,
        removalPolicy: s.removalPolicy,
        accessLogRetention: Duration.days(s.stage === DEFAULT_STAGE ? 14 : 90),
      });
    }

    // ---- Functions: environment and grants follow from each FunctionSpec.
    for (const [name, spec] of entries(topo.functions)) {
      const queueNames = new Set<QueueName>([...(spec.sendsTo ?? []), ...(spec.consumes ? [spec.consumes.queue] : [])]);
      const environment: Record<string, string> = {
        [ENV.table]: this.table.tableName,
        [ENV.stage]: s.stage,
        [ENV.powertoolsServiceName]: SERVICE_NAME,
        // The functions name it themselves (shared/core/metric-names.ts); set here too for Powertools' own use.
        [ENV.powertoolsMetricsNamespace]: METRICS_NAMESPACE,
        [ENV.powertoolsLogLevel]: s.logLevel,
        [ENV.logApiCalls]: s.logApiCalls,
      };
      for (const q of queueNames) environment[ENV.queueUrl(q)] = this.lane(q).queue.queueUrl;
      if (spec.readsSecrets || spec.writesSecrets) environment[ENV.secretsPrefix] = this.secretsPrefix;
      if (spec.publishesEvents) environment[ENV.eventBusName] = this.eventBus.eventBusName;

      const fn = new TajoFunction(this, `${pascal(name)}Function`, {
        functionName: `${prefix}-${name}`,
        spec,
        environment,
        key: this.key,
        logRetention: s.logRetention,
        removalPolicy: s.removalPolicy,
      });
      this.functions[name] = fn;
      const role = fn.role as iam.Role;

      this.table.grantReadWriteData(fn);
      this.key.grantEncryptDecrypt(fn); // the table's CMK (the table's own grants do not know the key)
      acknowledge(
        role,
        nagResource(this, `${this.table.tableArn}/index/*`),
        'Table read/write grant covers the indexes of this one table (gsi1: cross-tenant lookups such as due ' +
          'connections); index names are part of the same table, not other resources.',
      );
      for (const q of spec.sendsTo ?? []) this.lane(q).queue.grantSendMessages(fn);
      if (spec.publishesEvents) this.eventBus.grantPutEventsTo(fn);
      if (spec.consumes) {
        const { queue, batchSize, maxConcurrency } = spec.consumes;
        // After a message's last attempt the consumer parks it in its lane's DLQ itself, with the
        // reason in an envelope (shared/core/lanes/lane-retry.ts), instead of leaving it to the redrive.
        fn.addEnvironment(ENV.dlqUrl(queue), this.lane(queue).deadLetterQueue.queueUrl);
        this.lane(queue).deadLetterQueue.grantSendMessages(fn);
        fn.addEventSource(
          new SqsEventSource(this.lane(queue).queue, { batchSize, maxConcurrency, reportBatchItemFailures: true }),
        );
      }
      const kmsWildcardReason =
        'CDK key grants for the CMK-encrypted table and queues (key.grantEncryptDecrypt, grantSendMessages, ' +
        'grantConsumeMessages) add kms:GenerateDataKey* and kms:ReEncrypt*; they apply to the single stack key ' +
        'only (the resource is its ARN), which DynamoDB and SQS use for envelope encryption.';
      acknowledge(role, nagAction('kms:GenerateDataKey*'), kmsWildcardReason);
      acknowledge(role, nagAction('kms:ReEncrypt*'), kmsWildcardReason);

      if (spec.readsSecrets) {
        this.grantSecrets(fn, ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], ['kms:Decrypt']);
      }
      if (spec.writesSecrets) {
        // This function stores connection tokens when a connection is made. A name deleted within
        // the recovery window (a disconnect, then a reconnect) is restored before it is written.
        this.grantSecrets(
          fn,
          [
            'secretsmanager:CreateSecret',
            'secretsmanager:PutSecretValue',
            'secretsmanager:DeleteSecret',
            'secretsmanager:RestoreSecret',
            'secretsmanager:TagResource',
            'secretsmanager:DescribeSecret',
          ],
          ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
        );
        fn.addEnvironment(ENV.secretsKmsKeyId, this.key.keyArn);
      } else if (spec.refreshesTokens || spec.rollsSecrets) {
        // Replaces the value of an existing grant secret (a rolled OAuth token): nothing else.
        this.grantSecrets(fn, ['secretsmanager:PutSecretValue'], ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt']);
      }
      if (spec.documents) {
        if (!this.documentLibrary) throw new Error(`function "${name}" uses documents, but the stack has no library`);
        this.documentLibrary.grant(fn, spec.documents);
      }
    }

    // ---- The distributed Slack app's credentials: one secret per deployment, under the stage's prefix
    // (so the functions' read grant on `secret:tajo/<stage>/*` covers it), with the stack's key. Its
    // value is a generated placeholder without `signing_secret`: until ops put the app's
    // {signing_secret, client_id, client_secret} there, the app's routes refuse every request.
    this.slackAppSecret = new secretsmanager.Secret(this, 'SlackAppSecret', {
      secretName: `${this.secretsPrefix}slack-app`,
      description: `Tajo connectors (${s.stage}): the distributed Slack app, JSON {signing_secret, client_id, client_secret, redirect_uri?, scopes?}`,
      encryptionKey: this.key,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ replace_with: '{signing_secret, client_id, client_secret}' }),
        generateStringKey: 'placeholder',
      },
      removalPolicy: s.removalPolicy,
    });
    acknowledge(
      this.slackAppSecret,
      'AwsSolutions-SMG4',
      'The Slack app signing secret and client secret are issued by Slack (app settings), not by AWS: a ' +
        'rotation Lambda cannot create new ones. Ops rotate them in Slack and put the new value here.',
    );
    // ---- The deployment's Notion public connection (OAuth installs and refreshes), like the Slack app.
    this.notionAppSecret = new secretsmanager.Secret(this, 'NotionAppSecret', {
      secretName: `${this.secretsPrefix}notion-app`,
      description: `Tajo connectors (${s.stage}): the Notion public connection, JSON {client_id, client_secret, redirect_uri?}`,
      encryptionKey: this.key,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ replace_with: '{client_id, client_secret, redirect_uri?}' }),
        generateStringKey: 'placeholder',
      },
      removalPolicy: s.removalPolicy,
    });
    acknowledge(
      this.notionAppSecret,
      'AwsSolutions-SMG4',
      "The Notion public connection's OAuth client secret is issued by Notion (integration settings), not by " +
        'AWS: a rotation Lambda cannot create a new one. Ops rotate it in Notion and put the new value here.',
    );
    const oauthRoutes = new Set(topo.routes.filter((r) => r.auth === 'oauthState').map((r) => r.function));
    for (const [name, spec] of entries(topo.functions)) {
      if (!spec.refreshesTokens && !oauthRoutes.has(name)) continue;
      // Read through the functions' prefix grant, like the Slack app's secret.
      if (!spec.readsSecrets) throw new Error(`function "${name}" uses the OAuth apps but does not read secrets`);
      this.functions[name].addEnvironment(ENV.notionAppSecret, this.notionAppSecret.secretArn);
      this.functions[name].addEnvironment(ENV.slackAppSecret, this.slackAppSecret.secretArn);
      this.oauthAppFunctions.add(name);
    }
    for (const route of topo.routes) {
      if (route.auth !== 'slackAppSignature' || this.slackAppFunctions.has(route.function)) continue;
      // It reads the secret through the functions' prefix grant: a function without one could not.
      if (!topo.functions[route.function].readsSecrets) {
        throw new Error(`function "${route.function}" serves ${route.path} (the Slack app) but does not read secrets`);
      }
      this.functions[route.function].addEnvironment(ENV.slackAppSecret, this.slackAppSecret.secretArn);
      this.slackAppFunctions.add(route.function);
    }

    // ---- Schedules: per topology schedule, a group + role for the runtime per-connection schedules, and
    // its sweep. Every function that manages schedules may manage all of them (connect, sweeps).
    for (const [key, spec] of entries(topo.schedules)) {
      const schedule = new ConnectionSchedule(this, `${pascal(key)}Schedule`, {
        groupName: `${prefix}-${key}`,
        spec,
        target: this.functions[spec.target],
        removalPolicy: s.removalPolicy,
      });
      this.schedules[key] = schedule;
      for (const [name, fnSpec] of entries(topo.functions)) {
        if (!fnSpec.managesSchedules) continue;
        const fn = this.functions[name];
        schedule.grantManage(fn);
        fn.addEnvironment(ENV.scheduleGroup(key), schedule.group.scheduleGroupName);
        fn.addEnvironment(ENV.scheduleRoleArn(key), schedule.role.roleArn);
        // Built from the known function name, not a reference: a target that manages its own
        // schedules (the poller's sweep) would otherwise depend on itself.
        fn.addEnvironment(
          ENV.scheduleTargetArn(spec.target),
          this.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: `${prefix}-${spec.target}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        );
      }
    }

    // ---- HTTP API.
    this.httpApi = new TajoHttpApi(this, 'Http', {
      apiName: prefix,
      routes: topo.routes,
      functions: this.functions as Record<FunctionName, lambda.IFunction>,
      accessLogGroupName: `/tajo/${s.stage}/http-api-access`,
      key: this.key,
      logRetention: s.logRetention,
      removalPolicy: s.removalPolicy,
      throttle: HTTP_THROTTLE,
    });
    // Route-level metrics (Latency per Method and Resource) for the dashboard's webhook ack latency,
    // on the webhook routes only: CloudWatch bills each route's metrics (about $1.80 a route a month).
    // A route's settings replace the stage's defaults, so they repeat its throttling.
    (this.httpApi.stage.node.defaultChild as CfnStage).addPropertyOverride(
      'RouteSettings',
      Object.fromEntries(
        ackRoutes(topo.routes).map((r) => [
          `${r.method} ${r.path}`,
          {
            DetailedMetricsEnabled: true,
            ThrottlingBurstLimit: HTTP_THROTTLE.burstLimit,
            ThrottlingRateLimit: HTTP_THROTTLE.rateLimit,
          },
        ]),
      ),
    );

    // ---- Monitoring: dashboard, alarms (failed runs, DLQs, lane age) and the topic they notify.
    // CloudWatch publishes the alarms to the topic, which the stack's key encrypts.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${prefix}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.monitoring = new Monitoring(this, 'Monitoring', {
      prefix,
      stage: s.stage,
      serviceName: SERVICE_NAME,
      topology: topo,
      lanes: this.queues,
      functions: this.functions as Record<FunctionName, lambda.IFunction>,
      apiId: this.httpApi.api.apiId,
      apiStage: this.httpApi.stage.stageName,
      key: this.key,
      ...(s.alarmEmail ? { alarmEmail: s.alarmEmail } : {}),
    });

    // ---- Outputs.
    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'HTTP API base URL' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'KeyArn', { value: this.key.keyArn, description: 'CMK for table, queues, secrets, logs' });
    for (const [name, lane] of entries(this.queues)) {
      new CfnOutput(this, `${pascal(name)}QueueUrl`, { value: lane.queue.queueUrl });
      new CfnOutput(this, `${pascal(name)}DlqUrl`, { value: lane.deadLetterQueue.queueUrl });
    }
    for (const [key, schedule] of Object.entries(this.schedules)) {
      new CfnOutput(this, `${pascal(key)}ScheduleGroup`, { value: schedule.group.scheduleGroupName });
    }
    new CfnOutput(this, 'NotionAppSecretName', {
      value: `${this.secretsPrefix}notion-app`,
      description:
        "The Notion public connection: a PLACEHOLDER until you replace its value with the connection's JSON " +
        '{"client_id": ..., "client_secret": ..., "redirect_uri": ...} (redirect_uri defaults to <ApiUrl>/oauth/notion/callback); ' +
        'until then Notion OAuth installs answer 503',
    });
    if (this.documentLibrary) {
      new CfnOutput(this, 'DocumentsBucketName', {
        value: this.documentLibrary.bucket.bucketName,
        description: 'Imported Notion pages and their files, under <tenant>/notion/<pageId>/ (SSE-KMS)',
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.topic.topicArn,
      description:
        'Every alarm (failed runs, DLQ messages, lane age) notifies this topic: subscribe with ' +
        '-c alarmEmail=... at deploy, or aws sns subscribe --topic-arn <this> --protocol email --notification-endpoint ...',
    });
    new CfnOutput(this, 'AlarmTopicName', { value: this.monitoring.topic.topicName });
    new CfnOutput(this, 'DashboardName', {
      value: this.monitoring.dashboard.dashboardName,
      description: 'CloudWatch dashboard: runs, rows/s, failures, 429s, lanes, DLQs, webhook ack latency',
    });
    new CfnOutput(this, 'SlackAppSecretName', {
      value: `${this.secretsPrefix}slack-app`,
      description:
        "The distributed Slack app: a PLACEHOLDER until you replace its value with the app's JSON " +
        '{"signing_secret": ..., "client_id": ..., "client_secret": ...} (aws secretsmanager put-secret-value); ' +
        'until then POST /slack/events and /slack/interactions answer 503',
    });
  }

  private lane(name: QueueName): LaneQueue {
    const lane = this.queues[name];
    if (!lane) throw new Error(`topology refers to queue "${name}", which topology.queues does not declare`);
    return lane;
  }

  private logGroupArnPattern(namePattern: string): string {
    return this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: namePattern,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Secrets Manager actions on `secret:tajo/<stage>/*`, plus the CMK actions made through Secrets Manager. */
  private grantSecrets(fn: TajoFunction, secretActions: string[], kmsActions: string[]): void {
    const secretsArn = this.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.secretsPrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: secretActions, resources: [secretsArn] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: kmsActions,
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
      }),
    );
    acknowledge(
      fn.role as iam.Role,
      nagResource(this, secretsArn),
      `Connection tokens are per tenant and connection, created at runtime (names unknown at deploy time); ` +
        `the wildcard is limited to this stage's prefix secret:${this.secretsPrefix}* and cannot reach other ` +
        'stages or applications.',
    );
  }
}

export interface CreateTajoAppOptions {
  /** Defaults to the `stage` context value, then `dev`. */
  stage?: string;
  /** Extra context (e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip esbuild in unit tests). */
  context?: Record<string, unknown>;
  /** Register cdk-nag AwsSolutions on the app (synth fails on unacknowledged findings). Default true. */
  nag?: boolean;
  outdir?: string;
  topology?: Topology;
}

/** The CDK app: one env-agnostic stack for the stage, cdk-nag AwsSolutions as a validation plugin. */
export function createTajoApp(options: CreateTajoAppOptions = {}): { app: App; stack: TajoStack } {
  const app = new App({
    ...(options.context ? { context: options.context } : {}),
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stage = options.stage ?? (app.node.tryGetContext('stage') as string | undefined) ?? DEFAULT_STAGE;
  stageSettings(stage); // validates the stage name before it becomes part of the stack name
  const stack = new TajoStack(app, `tajo-${stage}`, {
    stage,
    ...(options.topology ? { topology: options.topology } : {}),
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

function entries<K extends string, V>(record: Record<K, V>): [K, V][] {
  return Object.entries(record) as [K, V][];
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
