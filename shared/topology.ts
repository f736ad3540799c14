/**
 * The one declaration of what runs: functions, their triggers, HTTP routes, queues (lanes) and
 * schedules. The CDK stack (infra/) and the local runtime (local/) both read this object, so what
 * runs under `npm start` is what `cdk deploy` creates. Neither side may add a route, queue or
 * schedule of its own.
 */

export type FunctionName = 'api' | 'notionPoller' | 'notionWorker' | 'ingress' | 'slackWorker' | 'brevoWorker';
export type QueueName = 'notionLane' | 'slackLane' | 'brevoLane';

export interface QueueSpec {
  /** FIFO lanes: MessageGroupId = the integration, so one batch per integration runs at a time. */
  fifo: boolean;
  /** Must exceed the consumer's timeout by a wide margin (AWS guidance: 6x the function timeout). */
  visibilityTimeoutSeconds: number;
  /** Receives before a message is parked in the lane's dead-letter queue. */
  maxReceiveCount: number;
  retentionDays: number;
  description: string;
}

export interface FunctionSpec {
  /** Path from the project root to the handler module (exports `handler`). */
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** SQS trigger: batch size and the cap on concurrent batches across all integrations. */
  consumes?: { queue: QueueName; batchSize: number; maxConcurrency: number };
  /** Queues this function sends to (grants and environment variables follow from this). */
  sendsTo?: QueueName[];
  /** Needs to read connection tokens from the secret store. */
  readsSecrets?: boolean;
  /** Stores connection tokens (connect): create, put, delete secrets under the stage's prefix. */
  writesSecrets?: boolean;
  /** Creates/deletes per-connection schedules. */
  managesSchedules?: boolean;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path syntax: `{param}`. */
  path: string;
  function: FunctionName;
  /** How the route authenticates; the handler enforces it (API Gateway only forwards). */
  auth: 'none' | 'tenantApiKey' | 'brevoWebhookToken' | 'slackSignature';
  description: string;
}

export interface ScheduleSpec {
  /** One schedule per connection of this connector, created when the connection is made. */
  perConnection: { connector: 'notion' };
  rateHours: number;
  /** Scheduler spreads the tenants' polls over this window instead of firing them all at once. */
  flexibleWindowMinutes: number;
  target: FunctionName;
  description: string;
}

export interface Topology {
  functions: Record<FunctionName, FunctionSpec>;
  queues: Record<QueueName, QueueSpec>;
  routes: RouteSpec[];
  schedules: Record<string, ScheduleSpec>;
}

export const topology: Topology = {
  functions: {
    api: {
      entry: 'functions/api/handler.ts',
      description: 'HTTP API: health, management routes (sync now, status)',
      memoryMb: 512,
      timeoutSeconds: 29,
      sendsTo: ['notionLane'],
      readsSecrets: false,
      writesSecrets: true,
      managesSchedules: true,
    },
    notionPoller: {
      entry: 'functions/notion-poller/handler.ts',
      description:
        'Scheduled per Notion connection: starts an incremental sync in its lane; the sweep restores lost schedules',
      memoryMb: 256,
      timeoutSeconds: 60,
      sendsTo: ['notionLane'],
      managesSchedules: true,
    },
    notionWorker: {
      entry: 'functions/notion-worker/handler.ts',
      description: 'Runs one sync step (a chunk of rows) per lane message, then continues in the lane',
      memoryMb: 1024,
      timeoutSeconds: 900,
      consumes: { queue: 'notionLane', batchSize: 1, maxConcurrency: 20 },
      sendsTo: ['notionLane'],
      readsSecrets: true,
    },
    ingress: {
      entry: 'functions/ingress/handler.ts',
      description: 'Webhooks: checks the caller, parses and routes the events, queues them; answers at once',
      memoryMb: 512,
      timeoutSeconds: 10,
      sendsTo: ['slackLane', 'brevoLane'],
      // Slack requests are verified with the tenant's signing secret.
      readsSecrets: true,
    },
    slackWorker: {
      entry: 'functions/slack-worker/handler.ts',
      description: 'Posts a Slack channel lane batch: one message per event in its thread, or a digest for a burst',
      memoryMb: 512,
      timeoutSeconds: 60,
      consumes: { queue: 'slackLane', batchSize: 10, maxConcurrency: 20 },
      readsSecrets: true,
    },
    brevoWorker: {
      entry: 'functions/brevo-worker/handler.ts',
      description: 'Brevo work from Slack (buttons, modals, shortcuts): contacts and lists, paced per account',
      memoryMb: 256,
      timeoutSeconds: 30,
      consumes: { queue: 'brevoLane', batchSize: 10, maxConcurrency: 20 },
      readsSecrets: true,
    },
  },
  queues: {
    notionLane: {
      fifo: true,
      visibilityTimeoutSeconds: 6 * 900,
      maxReceiveCount: 5,
      retentionDays: 14,
      description: 'Notion lane: one message group per integration (connection token)',
    },
    slackLane: {
      fifo: true,
      visibilityTimeoutSeconds: 6 * 60,
      maxReceiveCount: 5,
      retentionDays: 14,
      description: 'Slack lane: one message group per tenant and channel (1 message/s per channel)',
    },
    brevoLane: {
      fifo: true,
      visibilityTimeoutSeconds: 6 * 30,
      maxReceiveCount: 5,
      retentionDays: 14,
      description: 'Brevo lane: one message group per tenant (its Brevo account rate)',
    },
  },
  routes: [
    { method: 'GET', path: '/health', function: 'api', auth: 'none', description: 'Liveness and version' },
    {
      method: 'POST',
      path: '/webhooks/brevo/{tenantId}',
      function: 'ingress',
      auth: 'brevoWebhookToken',
      description: "Brevo's marketing/transactional webhooks and platform events → Slack notifications",
    },
    {
      method: 'POST',
      path: '/slack/{tenantId}/interactions',
      function: 'ingress',
      auth: 'slackSignature',
      description: "Slack buttons, modals and shortcuts of the tenant's app → Brevo",
    },
    {
      method: 'POST',
      path: '/slack/{tenantId}/events',
      function: 'ingress',
      auth: 'slackSignature',
      description: "Slack Events API of the tenant's app (url_verification)",
    },
    {
      method: 'POST',
      path: '/tenants/{tenantId}/connections/{connector}/sync',
      function: 'api',
      auth: 'tenantApiKey',
      description: 'Start a sync now (body: {"full": true} for a full sync)',
    },
    {
      method: 'GET',
      path: '/tenants/{tenantId}/connections/{connector}/status',
      function: 'api',
      auth: 'tenantApiKey',
      description: 'Connection status, last runs and their errors',
    },
  ],
  schedules: {
    notionPoll: {
      perConnection: { connector: 'notion' },
      rateHours: 4,
      flexibleWindowMinutes: 30,
      target: 'notionPoller',
      description: 'Incremental Notion sync every 4 hours per connection',
    },
  },
};

/** Environment variable names the functions read; infra sets them, the local runtime too. */
export const ENV = {
  table: 'TAJO_TABLE',
  queueUrl: (q: QueueName) => `TAJO_QUEUE_${q.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_URL`,
  secretsKmsKeyId: 'TAJO_SECRETS_KMS_KEY_ID',
  secretsPrefix: 'TAJO_SECRETS_PREFIX',
  scheduleGroup: 'TAJO_SCHEDULE_GROUP',
  schedulerRoleArn: 'TAJO_SCHEDULER_ROLE_ARN',
  scheduleTargetArn: (f: FunctionName) => `TAJO_${f.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_ARN`,
  stage: 'TAJO_STAGE',
} as const;
