/**
 * The one declaration of what runs: functions, their triggers, HTTP routes, queues (lanes) and
 * schedules. The CDK stack (infra/) and the local runtime (local/) both read this object, so what
 * runs under `npm start` is what `cdk deploy` creates. Neither side may add a route, queue or
 * schedule of its own. The connectors' lanes and per-connection schedules come from their
 * descriptors (the registry, shared/connectors/index.ts).
 */
import { connectors, platformConnectors } from '../connectors';
import { platformLane, platformWebhookRoute } from '../connectors/custom/ingress/unit';
import { PLATFORM_SYNC_SCHEDULE, platformSyncScheduleSpec } from '../connectors/custom/sync/schedule';
import { type ConnectorRoute, routeKey } from '../core/connector';
import { TENANT_EVENT_SOURCE } from '../core/events/tenant-events';
import type { ConnectorName } from '../core/ports';
import { EVENT_DELIVERY_ATTEMPTS } from './event-delivery';
import { eventEndpointRoutes } from './event-endpoints-api';
import { skillRoutes } from './skills-routes';

const FUNCTION_NAMES = [
  'api',
  'notionPoller',
  'notionWorker',
  'ingress',
  'slackWorker',
  'brevoWorker',
  'timerWorker',
  'slackDaily',
  'connection',
  'platformWorker',
  'platformPoller',
  'eventDelivery',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];
export type QueueName = 'notionLane' | 'slackLane' | 'brevoLane' | 'platformLane' | 'timerQueue' | 'eventDelivery';
export type ScheduleName = 'notionPoll' | 'slackDaily' | 'platformSync';

export interface QueueSpec {
  /**
   * FIFO lanes: MessageGroupId = the integration, so one batch per integration runs at a time.
   * A standard queue is used where per-message delays are needed (FIFO queues only delay whole queues).
   */
  fifo: boolean;
  /** Must exceed the consumer's timeout by a wide margin (AWS guidance: 6x the function timeout). */
  visibilityTimeoutSeconds: number;
  /** Receives before a message is parked in the lane's dead-letter queue. */
  maxReceiveCount: number;
  retentionDays: number;
  description: string;
  /** Its groups begin with the tenant (`<tenant>:…`), which the timer queue checks (LaneSpec). */
  tenantGroups?: true;
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
  /**
   * Uses OAuth connections' tokens and refreshes them (Notion on a 401, Slack rotation before
   * expiry): replaces a grant's secret value (PutSecretValue only), reads the deployment's OAuth
   * apps (client id and secret) for the token requests, and takes the refresh lease in the table.
   */
  refreshesTokens?: boolean;
  /**
   * Replaces the value of an existing connection secret and nothing else (PutSecretValue): an
   * oauth2 definition's tokens rolled by a refresh in a sync. Neither the deployment's OAuth apps
   * nor the refresh lease, which are the built-in connectors' (refreshesTokens).
   */
  rollsSecrets?: boolean;
  /** The document library (imported Notion pages; S3 under the stack's key): read, or read and write. */
  documents?: 'read' | 'readWrite';
  /** Publishes tenant events (tajo.events.on) on the event bus: PutEvents and the bus's name. */
  publishesEvents?: boolean;
}

/**
 * The tenant event stream's bus (EventBridge in the stack) and its rules: each sends the events of
 * `source` to a queue (a new consumer is a new rule, no code change). npm start's local bus sends
 * straight to the same queue.
 */
export interface EventBusSpec {
  source: string;
  rules: { name: string; target: QueueName; description: string }[];
  description: string;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path syntax: `{param}`. */
  path: string;
  function: FunctionName;
  /** How the route authenticates; the handler enforces it (API Gateway only forwards). */
  auth: RouteAuth;
  description: string;
}

const ROUTE_AUTHS = [
  'none',
  'tenantApiKey',
  'brevoWebhookToken',
  'slackSignature',
  'slackAppSignature',
  'notionSignature',
  'oauthState',
  'definitionSignature',
] as const;
type RouteAuth = (typeof ROUTE_AUTHS)[number];

/** A connector's route as the topology's: its function and auth must be ones the topology has. */
function routeSpecOf(route: ConnectorRoute): RouteSpec {
  const fn = FUNCTION_NAMES.find((f) => f === route.function);
  const auth = ROUTE_AUTHS.find((a) => a === route.auth);
  if (!fn || !auth) {
    throw new Error(
      `${routeKey(route)}: its function (${route.function}) and auth (${route.auth}) must be the topology's (${FUNCTION_NAMES.join(', ')}; ${ROUTE_AUTHS.join(', ')})`,
    );
  }
  return { ...route, function: fn, auth };
}

/**
 * The connectors' routes; the platform webhook route too until the definition engine's descriptor
 * (which spreads it) is in the registry: each route key once either way.
 */
function connectorRoutes(): RouteSpec[] {
  const routes = connectors.flatMap((c) => c.http);
  const keys = new Set(routes.map(routeKey));
  if (!keys.has(routeKey(platformWebhookRoute))) routes.push(platformWebhookRoute);
  return routes.map(routeSpecOf);
}

/**
 * When a per-connection schedule fires: every N hours, or once a day at a local time in the
 * connection's own time zone (EventBridge Scheduler's cron with ScheduleExpressionTimezone).
 */
export type ScheduleCadence = { everyHours: number } | { dailyAt: { hour: number; minute: number } };

export interface ScheduleSpec {
  /** One schedule per connection of this connector, created when the connection is made. */
  perConnection: { connector: ConnectorName };
  cadence: ScheduleCadence;
  /** Scheduler spreads the tenants' runs over this window instead of firing them all at once. */
  flexibleWindowMinutes: number;
  /**
   * How often the stack's sweep runs: it invokes the target with `{"sweep": true}` so that a
   * connection whose own schedule was lost gets it back.
   */
  sweepEveryHours: number;
  target: FunctionName;
  description: string;
}

export interface Topology {
  functions: Record<FunctionName, FunctionSpec>;
  queues: Record<QueueName, QueueSpec>;
  routes: RouteSpec[];
  schedules: Record<ScheduleName, ScheduleSpec>;
  eventBus: EventBusSpec;
}

export const topology: Topology = {
  functions: {
    api: {
      entry: 'functions/api/handler.ts',
      description:
        'HTTP API: health, management routes (Brevo key, connect, status, test, sync now, disconnect, document library, webhook token)',
      memoryMb: 512,
      timeoutSeconds: 29,
      sendsTo: ['notionLane'],
      // The connection test reads the stored tokens to call Notion and Slack with them; the Notion
      // webhook's pending verification token is shown to the tenant's admin (GET .../webhook).
      readsSecrets: true,
      writesSecrets: true,
      managesSchedules: true,
      // Imported documents are listed and served (GET .../documents/{pageId}); imports run in the lane.
      documents: 'read',
      // A disconnect closes a running sync (sync.failed).
      publishesEvents: true,
    },
    notionPoller: {
      entry: 'functions/notion-poller/handler.ts',
      description:
        'Scheduled per Notion connection: starts an incremental sync (and a re-sync of imported documents) in its lane; the sweep restores lost schedules',
      memoryMb: 256,
      timeoutSeconds: 60,
      sendsTo: ['notionLane'],
      managesSchedules: true,
    },
    notionWorker: {
      entry: 'functions/notion-worker/handler.ts',
      description:
        'Runs one Notion lane message (a sync step, a publishing pass, a page import, a documents re-sync), then continues in the lane',
      memoryMb: 1024,
      timeoutSeconds: 900,
      consumes: { queue: 'notionLane', batchSize: 1, maxConcurrency: 20 },
      // The timer queue holds a publishing pass deferred by Brevo's hourly budget until it is due,
      // and a failed step until its retry (out of the group's way).
      sendsTo: ['notionLane', 'timerQueue'],
      readsSecrets: true,
      refreshesTokens: true,
      // Page imports and re-syncs store documents and their files.
      documents: 'readWrite',
      // Its runs' ends (sync.completed, sync.failed).
      publishesEvents: true,
    },
    ingress: {
      entry: 'functions/ingress/handler.ts',
      description: 'Webhooks: checks the caller, parses and routes the events, queues them; answers at once',
      memoryMb: 512,
      timeoutSeconds: 10,
      sendsTo: ['slackLane', 'brevoLane', 'timerQueue', 'notionLane', 'platformLane'],
      // Slack requests are verified with the tenant's signing secret (or the distributed app's);
      // Notion events with the tenant's webhook verification token; platform deliveries with the
      // connection's signing secret.
      readsSecrets: true,
      // Notion's handshake delivers the verification token to this route, unsigned: it is stored
      // (as the tenant's pending token) where it arrives. The grant is the same prefix-scoped one
      // the api has; no narrower Secrets Manager action set can create a secret.
      writesSecrets: true,
      // Brevo's webhooks become the tenant's events (contact.attribute_updated, brevo.<event>...).
      publishesEvents: true,
    },
    slackWorker: {
      entry: 'functions/slack-worker/handler.ts',
      description: 'Posts a Slack channel lane batch: one message per event in its thread, or a digest for a burst',
      memoryMb: 512,
      timeoutSeconds: 60,
      consumes: { queue: 'slackLane', batchSize: 10, maxConcurrency: 20 },
      // A refused post is retried after a backoff through the timer queue (out of the channel's way).
      sendsTo: ['timerQueue'],
      readsSecrets: true,
      refreshesTokens: true,
    },
    brevoWorker: {
      entry: 'functions/brevo-worker/handler.ts',
      description: 'Brevo work from Slack (buttons, modals, shortcuts): contacts and lists, paced per account',
      memoryMb: 256,
      timeoutSeconds: 30,
      consumes: { queue: 'brevoLane', batchSize: 10, maxConcurrency: 20 },
      // A failed action is retried after a backoff through the timer queue (out of the group's way).
      sendsTo: ['timerQueue'],
      readsSecrets: true,
      refreshesTokens: true,
    },
    timerWorker: {
      entry: 'functions/timer-worker/handler.ts',
      description:
        'Delayed work (abandoned carts, deferred publishing): holds a message until it is due in hops of at most 15 minutes, re-checks it, hands it on',
      memoryMb: 256,
      timeoutSeconds: 30,
      consumes: { queue: 'timerQueue', batchSize: 10, maxConcurrency: 5 },
      // Any lane: a failed lane message comes back to its lane when its backoff is over.
      sendsTo: ['timerQueue', 'slackLane', 'notionLane', 'brevoLane', 'platformLane'],
      // The abandoned-cart skill's Brevo events are posted here, with the tenant's Brevo key.
      readsSecrets: true,
    },
    slackDaily: {
      entry: 'functions/slack-daily/handler.ts',
      description:
        'Daily per Slack connection, after local midnight: the marketing summaries (daily; weekly on its day) and the Slack user sync',
      memoryMb: 512,
      timeoutSeconds: 900,
      readsSecrets: true,
      refreshesTokens: true,
      managesSchedules: true,
      // The member sync's run ends (sync.completed, sync.failed).
      publishesEvents: true,
    },
    connection: {
      entry: 'functions/connection/handler.ts',
      description:
        "OAuth installs: authorize URLs for tenant admins, the providers' redirects (code exchange, grant stored, connection made)",
      memoryMb: 256,
      timeoutSeconds: 29,
      // Reads the deployment's OAuth apps; stores grants (and a first connection's Brevo key).
      readsSecrets: true,
      writesSecrets: true,
      managesSchedules: true,
    },
    platformPoller: {
      entry: 'functions/platform-poller/handler.ts',
      description:
        'Scheduled per definition connection (batch, hybrid): queues its incremental sync in the platform lane; the sweep restores lost schedules',
      memoryMb: 256,
      timeoutSeconds: 60,
      sendsTo: ['platformLane'],
      managesSchedules: true,
    },
    platformWorker: {
      entry: 'functions/platform-worker/handler.ts',
      description:
        "Platform lane: a webhook delivery to Brevo once (contact or event; its events to Slack and Notion rules); a definition connection's sync up to its budget, then continued",
      memoryMb: 1024,
      // A sync message reads until 60 s before this, then hands over to a continue message.
      timeoutSeconds: 900,
      consumes: { queue: 'platformLane', batchSize: 10, maxConcurrency: 20 },
      // Its events fan out like Brevo's (Slack lane, Notion lane, cart timers); a failed delivery is
      // retried after a backoff through the timer queue (out of its group's way).
      sendsTo: ['slackLane', 'notionLane', 'timerQueue', 'platformLane'],
      // The tenant's Brevo key; the platform credentials of a sync.
      readsSecrets: true,
      // An oauth2 definition's tokens refreshed during a sync are stored at once (a rotating
      // platform has already spent the old refresh token).
      rollsSecrets: true,
      // Its deliveries' events (<connector>.<event key>) and its syncs' ends.
      publishesEvents: true,
    },
    eventDelivery: {
      entry: 'functions/event-delivery/handler.ts',
      description:
        "Tenant events: fans an event out to the tenant's endpoints (one message each), POSTs each signed (10 s), retries with backoff, then the DLQ",
      memoryMb: 256,
      // A batch's deliveries run side by side, each at most 10 s.
      timeoutSeconds: 30,
      consumes: { queue: 'eventDelivery', batchSize: 10, maxConcurrency: 10 },
      // The fan-out's per-endpoint deliveries go back on the same queue.
      sendsTo: ['eventDelivery'],
      // The endpoints' signing secrets.
      readsSecrets: true,
    },
  },
  queues: {
    // Each connector's lanes (its descriptor's), then the product's timer queue.
    ...(Object.fromEntries([
      // Until the definition engine's descriptor (which spreads it) is in the registry.
      ...Object.entries(platformLane),
      ...connectors.flatMap((c) => Object.entries(c.lanes)),
    ]) as Record<Exclude<QueueName, 'timerQueue'>, QueueSpec>),
    timerQueue: {
      fifo: false,
      visibilityTimeoutSeconds: 6 * 30,
      maxReceiveCount: 5,
      retentionDays: 14,
      description: 'Timers: messages delayed until due (DelaySeconds hops of at most 15 minutes)',
    },
    eventDelivery: {
      fifo: false,
      // A failed delivery is hidden for its backoff (ChangeMessageVisibility); this covers a batch.
      visibilityTimeoutSeconds: 6 * 30,
      maxReceiveCount: EVENT_DELIVERY_ATTEMPTS,
      retentionDays: 14,
      description:
        "Tenant events from the bus's rule, and one delivery per (event, endpoint): retried with backoff, then parked",
    },
  },
  // The service's own routes, then each connector's (its descriptor's `http`).
  routes: [
    { method: 'GET', path: '/health', function: 'api', auth: 'none', description: 'Liveness and version' },
    {
      method: 'POST',
      path: '/tenants/{tenantId}/connections/{connector}/sync',
      function: 'api',
      auth: 'tenantApiKey',
      description: 'Start a sync now (body: {"full": true} for a full sync, {"job": "users"} for the Notion users)',
    },
    {
      method: 'GET',
      path: '/tenants/{tenantId}/connections/{connector}/status',
      function: 'api',
      auth: 'tenantApiKey',
      description:
        'Connection status: connected, last sync and its errors, databases, pages and users tracked, next run',
    },
    {
      method: 'GET',
      path: '/tenants/{tenantId}/connections',
      function: 'api',
      auth: 'tenantApiKey',
      description: "The tenant's Brevo account and connections (workspace, enabled, since when)",
    },
    {
      method: 'PUT',
      path: '/tenants/{tenantId}/connections/{connector}',
      function: 'api',
      auth: 'tenantApiKey',
      description: "Connect by token: the connector's config section as JSON, tokens included (checked before storing)",
    },
    {
      method: 'POST',
      path: '/tenants/{tenantId}/connections/{connector}/test',
      function: 'api',
      auth: 'tenantApiKey',
      description:
        'Run the connection\'s checks with its stored tokens (body: {"createPage": true} allows the Notion write check)',
    },
    {
      method: 'DELETE',
      path: '/tenants/{tenantId}/connections/{connector}',
      function: 'api',
      auth: 'tenantApiKey',
      description: 'Disconnect: delete its secrets, schedule, team claims and record; says what was removed',
    },
    {
      method: 'POST',
      path: '/tenants/{tenantId}/connections/{connector}/oauth',
      function: 'connection',
      auth: 'tenantApiKey',
      description:
        'Start an OAuth install: a single-use authorize URL (10 minutes) for the admin to open (body: {"config": ...} for a first connection)',
    },
    ...skillRoutes,
    // The API's description, who a key is, one run (app/api.ts, app/management.ts).
    { method: 'GET', path: '/openapi.json', function: 'api', auth: 'none', description: 'The OpenAPI 3.1 document' },
    { method: 'GET', path: '/me', function: 'api', auth: 'tenantApiKey', description: 'The tenant of the bearer key' },
    {
      method: 'GET',
      path: '/tenants/{tenantId}/connections/{connector}/runs/{runId}',
      function: 'api',
      auth: 'tenantApiKey',
      description: 'One run of a connection: its state, counts and error',
    },
    ...eventEndpointRoutes,
    ...connectorRoutes(),
    // After the connectors' literal /oauth/notion|slack/callback (matched first, locally and by API Gateway).
    {
      method: 'GET',
      path: '/oauth/{connector}/callback',
      function: 'connection',
      auth: 'oauthState',
      description:
        "A definition connector's OAuth redirect (auth: oauth2, the tenant's own app): exchanges the code at its tokenUrl, keeps the tokens with the connection",
    },
  ],
  // One per connector with a recurring per-connection job (its descriptor's schedule).
  // Definition connectors (resolved at runtime, not in the static list) share one schedule.
  schedules: Object.fromEntries([
    ...platformConnectors.flatMap(({ name, schedule }) =>
      schedule ? [[schedule.schedule, { perConnection: { connector: name }, ...schedule.spec }]] : [],
    ),
    [PLATFORM_SYNC_SCHEDULE, { perConnection: { connector: 'definition connectors' }, ...platformSyncScheduleSpec }],
  ]) as Record<ScheduleName, ScheduleSpec>,
  eventBus: {
    source: TENANT_EVENT_SOURCE,
    description: "The tenants' event stream (Brevo's events, platforms', sync results): tajo.events.on",
    rules: [
      {
        name: 'deliverToEndpoints',
        target: 'eventDelivery',
        description: "Every tenant event to the delivery queue (the tenants' registered endpoints)",
      },
    ],
  },
};

/**
 * The EventBridge Scheduler expression of a cadence: `rate(N hours)`, or a daily cron whose hour is
 * read in the schedule's ScheduleExpressionTimezone.
 */
export function scheduleExpression(cadence: ScheduleCadence): string {
  if ('everyHours' in cadence) return `rate(${cadence.everyHours} ${cadence.everyHours === 1 ? 'hour' : 'hours'})`;
  return `cron(${cadence.dailyAt.minute} ${cadence.dailyAt.hour} * * ? *)`;
}

/** The lanes whose message groups begin with the tenant (their descriptors' `tenantGroups`), for the timer queue. */
export const tenantGroupedLanes: ReadonlySet<string> = new Set(
  Object.entries(topology.queues)
    .filter(([, spec]) => spec.tenantGroups)
    .map(([name]) => name),
);
