/**
 * Template assertions for the CDK stack, all driven by the topology, plus proof that cdk-nag
 * AwsSolutions is live (and that every acknowledgement is load-bearing).
 *
 * Bundling is skipped (`aws:cdk:bundling-stacks` = []): the handlers are built elsewhere and may not
 * exist or compile yet. NodejsFunction then skips esbuild; TajoFunction uses inline placeholder code
 * only when a handler file is missing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../infra/constructs/tajo-function';
import { AUTH_REASONS } from '../../infra/constructs/tajo-http-api';
import { listAcknowledgements, NAG_ACKNOWLEDGEMENTS_CONTEXT } from '../../infra/nag';
import { createTajoApp, stageSettings, type TajoStack } from '../../infra/stack';
import {
  type FunctionName,
  type QueueName,
  type ScheduleName,
  type ScheduleSpec,
  type Topology,
  topology,
} from '../../shared/app/topology';
import { ENV } from '../../shared/core/env';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

// Every app synthesizes into a directory under one temp root, removed when the file's tests end.
const TMP_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'tajo-infra-test-'));
const outdir = () => fs.mkdtempSync(path.join(TMP_ROOT, 'cdk.out-'));
afterAll(() => fs.rmSync(TMP_ROOT, { recursive: true, force: true }));

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

const functionNames = Object.keys(topology.functions) as FunctionName[];
const queueNames = Object.keys(topology.queues) as QueueName[];

/** Flattens an Fn::Join / Ref / Fn::GetAtt into a readable string (`<AWS::Region>`, `<Logical.Arn>`). */
function flat(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Record<string, unknown>;
  if (o['Fn::Join']) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map(flat).join(sep);
  }
  if (o.Ref) return `<${o.Ref}>`;
  if (o['Fn::GetAtt']) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(v);
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

describe('TajoStack (dev)', () => {
  let app: App;
  let stack: TajoStack;
  let template: Template;
  const id = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
  const getAtt = (c: IConstruct, attr = 'Arn') => ({ 'Fn::GetAtt': [id(c), attr] });
  const ref = (c: IConstruct) => ({ Ref: id(c) });

  /** All statements of the policies attached to a function's execution role. */
  function statementsOf(name: FunctionName): Statement[] {
    const role = stack.functions[name].role;
    if (!role) throw new Error(`function ${name} has no role`);
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [ref(role)] } });
    return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  }

  beforeAll(() => {
    ({ app, stack } = createTajoApp({ stage: 'dev', context: NO_BUNDLING, outdir: outdir() }));
    // cdk-nag runs here as a validation plugin: fromStack throws on any unacknowledged finding.
    template = Template.fromStack(stack);
  });

  test('bundling is skipped in unit tests', () => {
    expect(stack.bundlingRequired).toBe(false);
    for (const name of functionNames) {
      const fn = stack.functions[name];
      expect(fn.placeholderCode).toBe(!fs.existsSync(path.join(PROJECT_ROOT, topology.functions[name].entry)));
    }
  });

  test('one Lambda per topology function: nodejs24.x on arm64, traced, own log group, topology sizing', () => {
    template.resourceCountIs('AWS::Lambda::Function', functionNames.length);
    for (const name of functionNames) {
      const spec = topology.functions[name];
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `tajo-dev-${name}`,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: spec.memoryMb,
        Timeout: spec.timeoutSeconds,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: Match.anyValue() },
        Environment: {
          Variables: Match.objectLike({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'tajo-connectors',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            [ENV.logApiCalls]: 'off',
            [ENV.table]: ref(stack.table),
            [ENV.stage]: 'dev',
          }),
        },
      });
      const queues = new Set([...(spec.sendsTo ?? []), ...(spec.consumes ? [spec.consumes.queue] : [])]);
      const vars = template.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: `tajo-dev-${name}` },
      });
      const env = Object.values(vars)[0].Properties.Environment.Variables as Record<string, unknown>;
      for (const q of queues) expect(env[ENV.queueUrl(q)]).toEqual(ref(stack.queues[q].queue));
      // A consumer parks a message in its lane's DLQ itself after the last attempt (lane-retry.ts).
      if (spec.consumes)
        expect(env[ENV.dlqUrl(spec.consumes.queue)]).toEqual(ref(stack.queues[spec.consumes.queue].deadLetterQueue));
    }
    template.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { LogGroupName: Match.stringLikeRegexp('^/aws/lambda/tajo-dev-'), RetentionInDays: Match.anyValue() },
      functionNames.length,
    );
  });

  test('functions use explicit roles without AWS managed policies (no AWSLambdaBasicExecutionRole)', () => {
    const roles = template.findResources('AWS::IAM::Role');
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    for (const name of functionNames) {
      const logs = statementsOf(name).find((s) => actionsOf(s).includes('logs:PutLogEvents'));
      expect(logs?.Resource).toEqual(getAtt(stack.functions[name].logGroup));
    }
  });

  test('one customer-managed key with rotation, used by table, queues and log groups', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const keyArn = getAtt(stack.key);
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn });
    template.allResourcesProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn });
  });

  test('table: pk/sk strings, on demand, PITR, CMK SSE, TTL, gsi1', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      Replicas: [
        Match.objectLike({
          Region: { Ref: 'AWS::Region' },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { KMSMasterKeyId: getAtt(stack.key) },
          DeletionProtectionEnabled: false,
        }),
      ],
    });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    // Every function reads/writes the table and can use its key.
    for (const name of functionNames) {
      const st = statementsOf(name);
      expect(st.some((s) => actionsOf(s).includes('dynamodb:PutItem'))).toBe(true);
      expect(st.some((s) => actionsOf(s).includes('kms:Decrypt') && s.Condition === undefined)).toBe(true);
    }
  });

  test('queues: per topology queue a queue + DLQ (FIFO when fifo), redrive, timeouts, KMS, SSL only, DLQ alarm', () => {
    template.resourceCountIs('AWS::SQS::Queue', queueNames.length * 2);
    for (const name of queueNames) {
      const spec = topology.queues[name];
      const lane = stack.queues[name];
      const fifo = spec.fifo ? { FifoQueue: true } : { FifoQueue: Match.absent() };
      template.hasResourceProperties('AWS::SQS::Queue', {
        ...fifo,
        VisibilityTimeout: spec.visibilityTimeoutSeconds,
        MessageRetentionPeriod: spec.retentionDays * 86400,
        KmsMasterKeyId: getAtt(stack.key),
        RedrivePolicy: { deadLetterTargetArn: getAtt(lane.deadLetterQueue), maxReceiveCount: spec.maxReceiveCount },
      });
      const dlq = template.findResources('AWS::SQS::Queue')[id(lane.deadLetterQueue)];
      expect(dlq.Properties).toMatchObject({
        ...(spec.fifo ? { FifoQueue: true } : {}),
        KmsMasterKeyId: getAtt(stack.key),
      });
      expect(dlq.Properties.RedrivePolicy).toBeUndefined();
      for (const q of [lane.queue, lane.deadLetterQueue]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [ref(q)],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(lane.deadLetterQueue, 'QueueName') }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
  });

  test('consumers: SQS event source with max concurrency and partial batch failures; senders can send', () => {
    const consumers = functionNames.filter((n) => topology.functions[n].consumes);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', consumers.length);
    for (const name of consumers) {
      const c = topology.functions[name].consumes;
      if (!c) continue;
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: ref(stack.functions[name]),
        EventSourceArn: getAtt(stack.queues[c.queue].queue),
        BatchSize: c.batchSize,
        ScalingConfig: { MaximumConcurrency: c.maxConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      const consume = statementsOf(name).find((s) => actionsOf(s).includes('sqs:ReceiveMessage'));
      expect(consume?.Resource).toEqual(getAtt(stack.queues[c.queue].queue));
    }
    for (const name of functionNames) {
      const sendTargets = statementsOf(name)
        .filter((s) => actionsOf(s).includes('sqs:SendMessage'))
        .flatMap(resourcesOf);
      // A consumer also parks a message in its own lane's DLQ after the last attempt (lane-retry.ts).
      const consumed = topology.functions[name].consumes?.queue;
      expect(sendTargets).toEqual([
        ...(topology.functions[name].sendsTo ?? []).map((q) => getAtt(stack.queues[q].queue)),
        ...(consumed ? [getAtt(stack.queues[consumed].deadLetterQueue)] : []),
      ]);
    }
  });

  test('the event bus: one rule per topology rule to its queue; PutEvents and the bus name only where publishesEvents', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.resourceCountIs('AWS::Events::Rule', topology.eventBus.rules.length);
    for (const rule of topology.eventBus.rules) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: ref(stack.eventBus),
        EventPattern: { source: [topology.eventBus.source] },
        Targets: [Match.objectLike({ Arn: getAtt(stack.queues[rule.target].queue) })],
      });
    }
    for (const name of functionNames) {
      const puts = statementsOf(name).filter((s) => actionsOf(s).includes('events:PutEvents'));
      const variables = template.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: `tajo-dev-${name}` },
      });
      const env = Object.values(variables)[0]?.Properties.Environment?.Variables ?? {};
      if (topology.functions[name].publishesEvents) {
        expect(puts.flatMap(resourcesOf)).toEqual([getAtt(stack.eventBus)]);
        expect(env.TAJO_EVENT_BUS_NAME).toEqual(ref(stack.eventBus));
      } else {
        expect(puts).toEqual([]);
        expect(env.TAJO_EVENT_BUS_NAME).toBeUndefined();
      }
    }
  });

  test('secrets: scoped to the tajo/dev/ prefix, read only where readsSecrets, write only where writesSecrets (refreshers: update only)', () => {
    const prefixArn = '<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:tajo/dev/*';
    const all = template.findResources('AWS::IAM::Policy');
    for (const p of Object.values(all)) {
      for (const s of p.Properties.PolicyDocument.Statement as Statement[]) {
        if (!actionsOf(s).some((a) => a.startsWith('secretsmanager:'))) continue;
        expect(resourcesOf(s).map(flat)).toEqual([`arn:${prefixArn}`]);
      }
    }
    for (const name of functionNames) {
      const spec = topology.functions[name];
      const actions = statementsOf(name).flatMap(actionsOf);
      expect(actions.includes('secretsmanager:GetSecretValue')).toBe(Boolean(spec.readsSecrets));
      expect(actions.includes('secretsmanager:CreateSecret')).toBe(Boolean(spec.writesSecrets));
      expect(actions.includes('secretsmanager:DeleteSecret')).toBe(Boolean(spec.writesSecrets));
      // Secrets Manager keeps a deleted name for its recovery window: writing it again restores it first.
      expect(actions.includes('secretsmanager:RestoreSecret')).toBe(Boolean(spec.writesSecrets));
      // A token refresher replaces a grant's value and can do nothing else with secrets (the platform
      // worker too: an oauth2 definition's tokens rolled in a sync).
      if (name === 'platformWorker') expect(spec.rollsSecrets).toBe(true);
      // A token refresher replaces a grant's value and can do nothing else with secrets.
      expect(actions.includes('secretsmanager:PutSecretValue')).toBe(
        Boolean(spec.writesSecrets || spec.refreshesTokens || spec.rollsSecrets),
      );
      if (spec.readsSecrets || spec.writesSecrets) {
        const viaSm = statementsOf(name).find(
          (s) => actionsOf(s).includes('kms:Decrypt') && JSON.stringify(s.Condition ?? {}).includes('kms:ViaService'),
        );
        expect(viaSm?.Resource).toEqual(getAtt(stack.key));
      }
    }
  });

  test('the distributed Slack app: a CMK secret under the stage prefix, its reference on the functions of its routes', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'tajo/dev/slack-app',
      KmsKeyId: getAtt(stack.key),
      // A placeholder without signing_secret: the app's routes refuse everything until ops replace it.
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'placeholder' }),
    });
    const placeholder = JSON.parse(
      (template.findResources('AWS::SecretsManager::Secret')[id(stack.slackAppSecret)]?.Properties.GenerateSecretString
        .SecretStringTemplate as string) ?? '{}',
    ) as Record<string, unknown>;
    expect(placeholder.signing_secret).toBeUndefined();

    const served = new Set(topology.routes.filter((r) => r.auth === 'slackAppSignature').map((r) => r.function));
    expect([...served]).toEqual(['ingress']);
    // The OAuth installs and the token refreshers read the app's client id and secret too.
    for (const name of stack.oauthAppFunctions) served.add(name);
    for (const name of functionNames) {
      const fn = Object.values(
        template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `tajo-dev-${name}` } }),
      )[0];
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      if (served.has(name)) expect(env[ENV.slackAppSecret]).toEqual(ref(stack.slackAppSecret));
      else expect(env[ENV.slackAppSecret]).toBeUndefined();
    }
    // The ingress's read grant (secret:tajo/dev/*) covers the secret's name; decrypting goes via Secrets Manager.
    const read = statementsOf('ingress').find((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    expect(resourcesOf(read!).map(flat)).toEqual([
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:tajo/dev/*',
    ]);
    expect(template.findOutputs('SlackAppSecretName').SlackAppSecretName).toMatchObject({
      Value: 'tajo/dev/slack-app',
      Description: expect.stringMatching(/PLACEHOLDER/),
    });
  });

  test('schedules: group per topology schedule, scheduler role, sweep every sweepEveryHours with {"sweep": true}', () => {
    const entries = Object.entries(topology.schedules) as [ScheduleName, ScheduleSpec][];
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', entries.length);
    template.resourceCountIs('AWS::Scheduler::Schedule', entries.length);
    for (const [key, spec] of entries) {
      const sched = stack.schedules[key];
      const target = stack.functions[spec.target];
      template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: `tajo-dev-${key}` });
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        // CDK writes whole days as days: rate(24 hours) is rate(1 day).
        ScheduleExpression:
          spec.sweepEveryHours % 24 === 0
            ? `rate(${spec.sweepEveryHours / 24} ${spec.sweepEveryHours === 24 ? 'day' : 'days'})`
            : `rate(${spec.sweepEveryHours} hours)`,
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: spec.flexibleWindowMinutes },
        Target: Match.objectLike({ Arn: getAtt(target), Input: JSON.stringify({ sweep: true }) }),
      });
      // Both scheduler roles: assumable by EventBridge Scheduler, invoke exactly the target (no `:*`).
      for (const role of [sched.role, sched.sweepRole]) {
        template.hasResourceProperties('AWS::IAM::Role', {
          AssumeRolePolicyDocument: {
            Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
          },
        });
        template.hasResourceProperties('AWS::IAM::Policy', {
          Roles: [ref(role)],
          PolicyDocument: {
            Statement: [{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: getAtt(target) }],
          },
        });
      }
      for (const name of functionNames.filter((n) => topology.functions[n].managesSchedules)) {
        const st = statementsOf(name);
        // One statement per schedule group the function manages.
        const manage = st.find(
          (s) =>
            actionsOf(s).includes('scheduler:CreateSchedule') &&
            new RegExp(`:schedule/tajo-dev-${key}/\\*$`).test(flat(s.Resource)),
        );
        expect(manage && actionsOf(manage).sort()).toEqual(
          [
            'scheduler:CreateSchedule',
            'scheduler:DeleteSchedule',
            'scheduler:GetSchedule',
            'scheduler:UpdateSchedule',
          ].sort(),
        );
        expect(manage && flat(manage.Resource)).toMatch(new RegExp(`:schedule/tajo-dev-${key}/\\*$`));
        const pass = st.filter((s) => actionsOf(s).includes('iam:PassRole')).map((s) => s.Resource);
        expect(pass).toContainEqual(getAtt(sched.role));
        template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: `tajo-dev-${name}`,
          Environment: {
            Variables: Match.objectLike({
              [ENV.scheduleGroup(key)]: `tajo-dev-${key}`,
              [ENV.scheduleRoleArn(key)]: getAtt(sched.role),
              // The ARN is spelled out from the function name (the poller targets itself).
              [ENV.scheduleTargetArn(spec.target)]: {
                'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`:function:tajo-dev-${spec.target}$`)])],
              },
            }),
          },
        });
        if (topology.functions[name].writesSecrets) {
          template.hasResourceProperties('AWS::Lambda::Function', {
            FunctionName: `tajo-dev-${name}`,
            Environment: {
              Variables: Match.objectLike({
                [ENV.secretsPrefix]: 'tajo/dev/',
                [ENV.secretsKmsKeyId]: getAtt(stack.key),
              }),
            },
          });
        }
      }
    }
    // The brief's cadence: Notion every 4 hours.
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(4 hours)' });
  });

  test('OAuth: the Notion app secret, the connection function and its routes, the refreshers', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'tajo/dev/notion-app',
      KmsKeyId: getAtt(stack.key),
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'placeholder' }),
    });
    const placeholder = JSON.parse(
      template.findResources('AWS::SecretsManager::Secret')[id(stack.notionAppSecret)]?.Properties.GenerateSecretString
        .SecretStringTemplate as string,
    ) as Record<string, unknown>;
    expect(placeholder.client_id).toBeUndefined();
    expect(template.findOutputs('NotionAppSecretName').NotionAppSecretName).toMatchObject({
      Value: 'tajo/dev/notion-app',
      Description: expect.stringMatching(/PLACEHOLDER/),
    });

    const oauthRoutes = topology.routes.filter((r) => r.function === 'connection').map((r) => `${r.method} ${r.path}`);
    expect(oauthRoutes).toEqual([
      'POST /tenants/{tenantId}/connections/{connector}/oauth',
      'GET /oauth/notion/callback',
      'GET /oauth/slack/callback',
      'GET /oauth/{connector}/callback',
    ]);
    for (const key of oauthRoutes) template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key });
    expect(AUTH_REASONS.oauthState).toMatch(/single-use/);
    const users = new Set([
      ...functionNames.filter((n) => topology.functions[n].refreshesTokens),
      ...topology.routes.filter((r) => r.auth === 'oauthState').map((r) => r.function),
    ]);
    expect([...stack.oauthAppFunctions].sort()).toEqual([...users].sort());
    expect(users).toEqual(new Set(['notionWorker', 'slackWorker', 'brevoWorker', 'slackDaily', 'connection']));
    for (const name of functionNames) {
      const fn = Object.values(
        template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `tajo-dev-${name}` } }),
      )[0];
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      if (users.has(name)) expect(env[ENV.notionAppSecret]).toEqual(ref(stack.notionAppSecret));
      else expect(env[ENV.notionAppSecret]).toBeUndefined();
    }
    // The install stores grants and makes schedules; a refresher only replaces a value.
    const connection = statementsOf('connection').flatMap(actionsOf);
    expect(connection).toEqual(expect.arrayContaining(['secretsmanager:CreateSecret', 'scheduler:CreateSchedule']));
    const worker = statementsOf('notionWorker')
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('secretsmanager:'));
    expect(worker.sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
  });

  test('document library: a CMK bucket, private, TLS only, access-logged; grants and env only where documents', () => {
    const library = stack.documentLibrary;
    if (!library) throw new Error('the topology has functions with documents: the stack must have the library');
    const { bucket, accessLogs: logs } = library;
    template.resourceCountIs('AWS::S3::Bucket', 2);
    const privateBucket = {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    };
    template.hasResourceProperties('AWS::S3::Bucket', {
      ...privateBucket,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt(stack.key) },
          },
        ],
      },
      LoggingConfiguration: { DestinationBucketName: ref(logs), LogFilePrefix: 'documents/' },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      ...privateBucket,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    // Both buckets refuse plain HTTP.
    for (const b of [bucket, logs]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(b),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
    const objects = `<${id(bucket)}.Arn>/*`;
    for (const name of functionNames) {
      const access = topology.functions[name].documents;
      const statements = statementsOf(name).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
      const env = Object.values(
        template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: `tajo-dev-${name}` } }),
      )[0]?.Properties.Environment.Variables as Record<string, unknown>;
      if (!access) {
        expect(statements).toEqual([]);
        expect(env[ENV.documentsBucket]).toBeUndefined();
        continue;
      }
      const onObjects = statements.filter((s) => resourcesOf(s).map(flat).includes(objects)).flatMap(actionsOf);
      expect(onObjects.sort()).toEqual(
        access === 'readWrite' ? ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'] : ['s3:GetObject'],
      );
      const onBucket = statements.filter((s) =>
        resourcesOf(s)
          .map(flat)
          .includes(`<${id(bucket)}.Arn>`),
      );
      expect(onBucket.flatMap(actionsOf)).toEqual(['s3:ListBucket']);
      expect(statements.flatMap(actionsOf).every((a) => !a.includes('*'))).toBe(true);
      expect(env[ENV.documentsBucket]).toEqual(ref(bucket));
      expect(env[ENV.documentsKmsKeyId]).toEqual(getAtt(stack.key));
    }
    expect(topology.functions.api.documents).toBe('read');
    expect(topology.functions.notionWorker.documents).toBe('readWrite');
    expect(template.findOutputs('DocumentsBucketName').DocumentsBucketName.Value).toEqual(ref(bucket));
  });

  test('Notion webhooks: the route, signature auth with its reason, and the ingress may store the handshake token', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/notion/{tenantId}' });
    const route = topology.routes.find((r) => r.path === '/webhooks/notion/{tenantId}');
    expect(route).toMatchObject({ method: 'POST', function: 'ingress', auth: 'notionSignature' });
    expect(AUTH_REASONS.notionSignature).toMatch(/X-Notion-Signature/);
    const actions = statementsOf('ingress').flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue']));
  });

  test('HTTP API: one route per topology route, one v2.0 Lambda integration per function, logs + throttling', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', topology.routes.length);
    for (const r of topology.routes) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${r.method} ${r.path}` });
    }
    const routed = new Set(topology.routes.map((r) => r.function));
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', routed.size);
    for (const name of routed) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: getAtt(stack.functions[name]),
      });
    }
    // One API-scoped invoke permission per routed function (not one per route).
    template.resourceCountIs('AWS::Lambda::Permission', routed.size);
    for (const name of routed) {
      const perm = Object.values(
        template.findResources('AWS::Lambda::Permission', {
          Properties: { FunctionName: getAtt(stack.functions[name]) },
        }),
      )[0];
      expect(perm.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(flat(perm.Properties.SourceArn)).toMatch(new RegExp(`:<${id(stack.httpApi.api)}>/\\*/\\*/\\*$`));
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
      AccessLogSettings: {
        DestinationArn: getAtt(stack.httpApi.accessLogs),
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });

  test('outputs: API URL, table name, queue and DLQ URLs', () => {
    const outputs = template.findOutputs('*');
    expect(outputs.ApiUrl).toBeDefined();
    expect(outputs.TableName.Value).toEqual(ref(stack.table));
    for (const name of queueNames) {
      const p = name.charAt(0).toUpperCase() + name.slice(1);
      expect(outputs[`${p}QueueUrl`].Value).toEqual(ref(stack.queues[name].queue));
      expect(outputs[`${p}DlqUrl`].Value).toEqual(ref(stack.queues[name].deadLetterQueue));
    }
  });

  test('the stack is environment-agnostic (offline synth)', () => {
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
  });

  test('cdk-nag: synth passes, and every acknowledgement matches a finding that fires without it', () => {
    expect(() => app.synth()).not.toThrow();
    const acks = listAcknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) expect(a.reason.length).toBeGreaterThan(40);

    const dir = outdir();
    const bare = createTajoApp({
      stage: 'dev',
      outdir: dir,
      context: { ...NO_BUNDLING, [NAG_ACKNOWLEDGEMENTS_CONTEXT]: false },
    });
    expect(() => bare.app.synth()).toThrow(/AwsSolutions-APIG4/);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
    };
    const findings = report.pluginReports.flatMap((p) =>
      p.violations.flatMap((v) => v.violatingConstructs.map((c) => ({ rule: v.ruleName, path: c.constructPath }))),
    );
    expect(findings.some((f) => f.rule === 'AwsSolutions-APIG4')).toBe(true);
    for (const a of acks) {
      const used = findings.some((f) => f.rule === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`)));
      if (!used) throw new Error(`stale acknowledgement ${a.id} on ${a.path}`);
    }
  });
});

describe('TajoStack (prod)', () => {
  test('retains stateful resources and turns deletion protection on; nag passes too', () => {
    const { stack } = createTajoApp({ stage: 'prod', context: NO_BUNDLING, outdir: outdir() });
    const t = Template.fromStack(stack);
    t.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }),
    });
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: Match.stringLikeRegexp('^tajo-prod-') });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TAJO_STAGE: 'prod' }) },
    });
  });

  test('rejects a stage name that cannot be used in resource names', () => {
    expect(() => createTajoApp({ stage: 'Prod_1', context: NO_BUNDLING, nag: false, outdir: outdir() })).toThrow(
      /stage "Prod_1"/,
    );
  });
});

describe('logging switches (-c logLevel=DEBUG -c logApiCalls=calls|bodies)', () => {
  test('reach every function; off and INFO by default', () => {
    const { stack } = createTajoApp({
      stage: 'dev',
      context: { ...NO_BUNDLING, logLevel: 'DEBUG', logApiCalls: 'bodies' },
      nag: false,
      outdir: outdir(),
    });
    expect(stack.settings).toMatchObject({ logLevel: 'DEBUG', logApiCalls: 'bodies' });
    expect(stageSettings('dev')).toMatchObject({ logLevel: 'INFO', logApiCalls: 'off' });
  });

  test('a value the functions would not understand is refused at synth', () => {
    expect(() => stageSettings('dev', { logApiCalls: 'yes' })).toThrow(
      '-c logApiCalls=yes: expected one of off, calls, bodies',
    );
    expect(() => stageSettings('dev', { logLevel: 'debug' })).toThrow('-c logLevel=debug: expected one of INFO, DEBUG');
  });
});

describe('generated from the topology', () => {
  test('an extra queue, function and route appear without any change to infra/', () => {
    const extended = structuredClone(topology) as unknown as Record<string, Record<string, unknown>> & {
      routes: unknown[];
    };
    extended.queues.extraLane = {
      fifo: false,
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 3,
      retentionDays: 4,
      description: 'test lane',
    };
    extended.functions.extraWorker = {
      entry: 'functions/slack-worker/handler.ts',
      description: 'test worker',
      memoryMb: 256,
      timeoutSeconds: 10,
      consumes: { queue: 'extraLane', batchSize: 5, maxConcurrency: 2 },
    };
    extended.routes.push({
      method: 'POST',
      path: '/extra/events',
      function: 'extraWorker',
      auth: 'none',
      description: 'x',
    });
    const { stack } = createTajoApp({
      context: NO_BUNDLING,
      nag: false,
      topology: extended as unknown as Topology,
      outdir: outdir(),
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SQS::Queue', (queueNames.length + 1) * 2);
    t.resourceCountIs('AWS::Lambda::Function', functionNames.length + 1);
    t.resourceCountIs('AWS::ApiGatewayV2::Route', topology.routes.length + 1);
    t.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: Match.absent(),
      VisibilityTimeout: 60,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'tajo-dev-extraWorker',
      Environment: { Variables: Match.objectLike({ TAJO_QUEUE_EXTRA_LANE_URL: Match.anyValue() }) },
    });
  });
});

describe('bundling and cdk-nag are live', () => {
  test('empty bundling-stacks skips esbuild: an unbundlable handler synthesizes; with bundling it fails', () => {
    const mini = {
      functions: {
        api: {
          entry: 'test/infra/fixtures/unbundlable-handler.ts',
          description: 'cannot be bundled',
          memoryMb: 128,
          timeoutSeconds: 3,
        },
      },
      queues: {},
      routes: [],
      schedules: {},
      eventBus: { source: 'tajo.connectors', rules: [], description: 'no rules' },
    } as unknown as Topology;
    const skipped = createTajoApp({ context: NO_BUNDLING, nag: false, topology: mini, outdir: outdir() });
    expect(skipped.stack.functions.api.placeholderCode).toBe(false);
    Template.fromStack(skipped.stack).hasResourceProperties('AWS::Lambda::Function', {
      Code: { S3Key: Match.stringLikeRegexp('\\.zip$') },
      Handler: 'index.handler',
    });
    expect(() => createTajoApp({ nag: false, topology: mini, outdir: outdir() })).toThrow(
      /Failed to bundle asset tajo-dev\/ApiFunction/,
    );
  });

  test('a missing handler: inline placeholder when bundling is skipped, a clear error when bundling', () => {
    const mini = {
      functions: {
        api: {
          entry: 'functions/not-written-yet/handler.ts',
          description: 'missing',
          memoryMb: 128,
          timeoutSeconds: 3,
        },
      },
      queues: {},
      routes: [],
      schedules: {},
      eventBus: { source: 'tajo.connectors', rules: [], description: 'no rules' },
    } as unknown as Topology;
    const skipped = createTajoApp({ context: NO_BUNDLING, nag: false, topology: mini, outdir: outdir() });
    expect(skipped.stack.functions.api.placeholderCode).toBe(true);
    Template.fromStack(skipped.stack).hasResourceProperties('AWS::Lambda::Function', {
      Code: { ZipFile: Match.stringLikeRegexp('placeholder') },
      Runtime: 'nodejs24.x',
    });
    expect(() => createTajoApp({ nag: false, topology: mini, outdir: outdir() })).toThrow(/Cannot find entry file/);
  });

  test('a non-compliant resource makes synth throw', () => {
    const app = new App({ outdir: outdir() });
    const stack = new Stack(app, 'NagCanary');
    new sqs.Queue(stack, 'PlainQueue'); // no DLQ, no SSL enforcement
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(
      /AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4|AwsSolutions-SQS4[\s\S]*AwsSolutions-SQS3/,
    );
  });
});
