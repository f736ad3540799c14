/**
 * The adapters a handler needs, built once per container from the environment the stack sets
 * (ENV in shared/core/env.ts). The local runtime sets the same variables (endpoints of dynalite
 * and fauxqs via AWS_ENDPOINT_URL_*) and swaps in its own scheduler and secret store.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeEventBus } from '../../shared/adapters/aws/eventbridge-bus';
import { S3DocumentStore } from '../../shared/adapters/aws/s3-document-store';
import { EventBridgeScheduleManager } from '../../shared/adapters/aws/scheduler';
import { SecretsManagerStore } from '../../shared/adapters/aws/secrets-manager';
import { SqsLaneQueue } from '../../shared/adapters/aws/sqs-lane';
import { type DynamoRepositories, dynamoRepositories } from '../../shared/adapters/dynamodb';
import { QueueEventBus } from '../../shared/adapters/local/queue-event-bus';
import { EVENT_DELIVERY_QUEUE } from '../../shared/app/event-delivery';
import type { OAuthApps } from '../../shared/app/oauth-apps';
import { providerRefresh } from '../../shared/app/oauth-refresh';
import { publishingRunEnds } from '../../shared/app/run-events';
import { topology } from '../../shared/app/topology';
import { notionAppCredentials } from '../../shared/connectors/notion/app';
import { slackAppCredentials } from '../../shared/connectors/slack/app';
import {
  ENV,
  type Endpoints,
  endpointsFromEnv,
  optionalEnv,
  readEnv,
  requiredEnv,
  type TajoEnv,
} from '../../shared/core/env';
import {
  type Clock,
  type EventBus,
  type ScheduleManager,
  type SecretStore,
  systemClock,
} from '../../shared/core/ports';
import type { DocumentStore } from '../../shared/core/ports/documents';
import { OAuthTokens } from '../../shared/core/tenancy/oauth-tokens';
import { logger, recordEventsPublishFailed } from './powertools';
import { sqsLanesFromEnv } from './sqs-lanes';

export interface HandlerDeps {
  store: DynamoRepositories;
  lane: SqsLaneQueue;
  secrets: SecretStore;
  schedules: ScheduleManager;
  clock: Clock;
  endpoints: Endpoints;
  /** The deployment's OAuth apps (undefined sources where the function has no reference to them). */
  apps: OAuthApps;
  /** OAuth connections' tokens, refreshed single-flight (per container, across Lambdas by lease). */
  oauthTokens: OAuthTokens;
  /** The document library: S3 in AWS (functions whose topology entry has `documents`). */
  documents: DocumentStore;
  /** The tenant event stream: the stack's EventBridge bus, or locally the delivery queue; none elsewhere. */
  events?: EventBus;
}

export type LocalAdapters = Partial<Pick<HandlerDeps, 'secrets' | 'schedules' | 'clock' | 'documents'>>;

/**
 * The local runtime loads each function as its own esbuild bundle (as Lambda does), so it cannot
 * reach into a bundle's modules; it leaves its adapters (file secrets, in-process scheduler) in
 * this global slot instead. Never set in AWS.
 */
export const LOCAL_ADAPTERS_SLOT = '__tajoLocalAdapters';

let cached: HandlerDeps | undefined;

function build(): HandlerDeps {
  const overrides = ((globalThis as Record<string, unknown>)[LOCAL_ADAPTERS_SLOT] as LocalAdapters | undefined) ?? {};
  const env = readEnv();
  // The SQS client sends to the queue URL's host unless an endpoint is configured in code; an
  // AWS_ENDPOINT_URL_SQS override (the local runtime's fauxqs) must win over that.
  const lane = new SqsLaneQueue(new SQSClient({ useQueueUrlAsEndpoint: !env.sqsEndpoint }), sqsLanesFromEnv());
  const events = eventBusFromEnv(env, lane);
  // A run's end publishes sync.completed / sync.failed, whoever writes it (run-events.ts).
  const store = publishingRunEnds(
    dynamoRepositories(new DynamoDBClient({}), requiredEnv(ENV.table)),
    events,
    (err, e) => {
      recordEventsPublishFailed(1);
      logger.error('a run ended but its event could not be published', { error: err.message, type: e.type, id: e.id });
    },
  );
  const secrets =
    overrides.secrets ??
    new SecretsManagerStore(new SecretsManagerClient({}), {
      prefix: env.secretsPrefix,
      kmsKeyId: env.secretsKmsKeyId,
    });
  let scheduler: ScheduleManager | undefined;
  // Only the functions that manage schedules have the scheduler's settings: build it on first use.
  const lazyScheduler = (): ScheduleManager =>
    (scheduler ??= new EventBridgeScheduleManager(
      new SchedulerClient({}),
      (schedule) => ({
        groupName: requiredEnv(ENV.scheduleGroup(schedule)),
        roleArn: requiredEnv(ENV.scheduleRoleArn(schedule)),
        targetArn: requiredEnv(ENV.scheduleTargetArn(topology.schedules[schedule].target)),
      }),
      topology.schedules,
    ));
  const schedules: ScheduleManager = overrides.schedules ?? {
    ensure: (...args) => lazyScheduler().ensure(...args),
    remove: (...args) => lazyScheduler().remove(...args),
  };
  const clock = overrides.clock ?? systemClock;
  const log = (message: string, data: Record<string, unknown>) => logger.warn(message, data);
  // Read once every few minutes per container (cached sources).
  const apps: OAuthApps = {
    notion: notionAppCredentials({ secrets, clock, log }, env.notionAppSecret),
    slack: slackAppCredentials({ secrets, clock, log }, env.slackAppSecret),
  };
  const endpoints: Endpoints = { ...endpointsFromEnv(), slackApiUrl: env.slackApiUrl };
  const oauthTokens = new OAuthTokens({
    secrets,
    markers: store,
    clock,
    refresh: providerRefresh({
      apps,
      endpoints: { notionBaseUrl: endpoints.notionBaseUrl, slackApiUrl: endpoints.slackApiUrl },
    }),
    log: (message, data) => logger.info(message, data),
  });
  let s3Documents: DocumentStore | undefined;
  // Only the functions with `documents` have the bucket's settings: build the store on first use.
  const lazyDocuments = (): DocumentStore =>
    (s3Documents ??= new S3DocumentStore(new S3Client({}), {
      bucket: requiredEnv(ENV.documentsBucket),
      kmsKeyId: requiredEnv(ENV.documentsKmsKeyId),
    }));
  const documents: DocumentStore = overrides.documents ?? {
    put: (...args) => lazyDocuments().put(...args),
    get: (...args) => lazyDocuments().get(...args),
    list: (...args) => lazyDocuments().list(...args),
    delete: (...args) => lazyDocuments().delete(...args),
    locate: (...args) => lazyDocuments().locate(...args),
  };
  return {
    store,
    documents,
    lane,
    events,
    secrets,
    schedules,
    clock,
    endpoints,
    apps,
    oauthTokens,
  };
}

/**
 * The stack's bus when the function publishes (TAJO_EVENT_BUS_NAME); else, under npm start, the
 * delivery queue the stack's rule feeds (the local bus); else none.
 */
function eventBusFromEnv(env: TajoEnv, lane: SqsLaneQueue): EventBus | undefined {
  if (env.eventBusName) return new EventBridgeEventBus(new EventBridgeClient({}), env.eventBusName);
  if (env.stage === 'local' && optionalEnv(ENV.queueUrl(EVENT_DELIVERY_QUEUE)))
    return new QueueEventBus(lane, EVENT_DELIVERY_QUEUE);
  return undefined;
}

export function deps(): HandlerDeps {
  cached ??= build();
  return cached;
}

/**
 * The store ports a service takes, by name (`{ ...storePorts(d, 'connections', 'runs') }`): each is
 * the one DynamoDB store today. Only those named: a service may act on an optional port it is given.
 */
export function storePorts<P extends string>(
  d: Pick<HandlerDeps, 'store'>,
  ...ports: P[]
): Record<P, DynamoRepositories> {
  return Object.fromEntries(ports.map((port) => [port, d.store])) as Record<P, DynamoRepositories>;
}
