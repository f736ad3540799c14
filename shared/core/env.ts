/**
 * The one module that reads environment variables. Every variable the code reads is named in ENV
 * (infra/ sets the deployed functions' from the same names, so the stack sets what the code reads)
 * and parsed by envSchema: defaults, empty-means-unset, and lenient numbers (a value that is not a
 * positive whole number is ignored, as it always was). Each comment says what sets the variable:
 * infra (the CDK stack, per function), local (the `npm start` stack, local/), user (a person or a
 * test rig), or AWS (the Lambda runtime).
 *
 * `readEnv()` reads process.env at each call: the local stack and the tests change it at run time.
 */
import { z } from 'zod';

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/** The variables' names (the per-queue, per-schedule and per-function ones are built from the topology's names). */
export const ENV = {
  /** infra, local: the DynamoDB table. */
  table: 'TAJO_TABLE',
  /** infra, local: a lane's queue URL. */
  queueUrl: (queue: string) => `TAJO_QUEUE_${snake(queue)}_URL`,
  /** infra, local: the lane's dead-letter queue: workers put a message there, with its reason, after its last attempt. */
  dlqUrl: (queue: string) => `TAJO_QUEUE_${snake(queue)}_DLQ_URL`,
  /** infra: the KMS key the secrets are encrypted with. */
  secretsKmsKeyId: 'TAJO_SECRETS_KMS_KEY_ID',
  /** infra: the prefix of the stage's secret names. */
  secretsPrefix: 'TAJO_SECRETS_PREFIX',
  /** infra: the EventBridge Scheduler group, role and target of a schedule (functions that manage schedules). */
  scheduleGroup: (schedule: string) => `TAJO_SCHEDULE_${snake(schedule)}_GROUP`,
  scheduleRoleArn: (schedule: string) => `TAJO_SCHEDULE_${snake(schedule)}_ROLE_ARN`,
  scheduleTargetArn: (fn: string) => `TAJO_${snake(fn)}_ARN`,
  /** infra, local: the reference (ARN in AWS; `local:slack-app` locally) of the secret holding the distributed Slack app's credentials. */
  slackAppSecret: 'TAJO_SLACK_APP_SECRET',
  /** infra, local: the reference of the secret holding the deployment's Notion OAuth app (public connection) credentials. */
  notionAppSecret: 'TAJO_NOTION_APP_SECRET',
  /** infra: the document library's bucket and the KMS key its objects are encrypted with (functions with `documents`). */
  documentsBucket: 'TAJO_DOCUMENTS_BUCKET',
  documentsKmsKeyId: 'TAJO_DOCUMENTS_KMS_KEY_ID',
  /** infra, local (`local`): the stage, a metrics dimension; `local` makes a lane run's owner its host and pid. */
  stage: 'TAJO_STAGE',
  /** infra, local, user: log_api_calls: `off`, `calls` (one line per provider call) or `bodies` (with redacted bodies). */
  logApiCalls: 'TAJO_LOG_API_CALLS',
  /** infra, local, user: log_events: the connectors (`notion,slack,brevo`) whose inbound events are logged as they arrive. */
  logEvents: 'TAJO_LOG_EVENTS',
  /** local, user (DESIGN §4): where the clients call Notion, Brevo and Slack (the sandbox's locally). */
  notionBaseUrl: 'NOTION_BASE_URL',
  brevoBaseUrl: 'BREVO_BASE_URL',
  slackApiUrl: 'SLACK_API_URL',
  /** local, user: the OAuth consent pages the admin is sent to (defaults: Notion's and Slack's). */
  notionAuthorizeUrl: 'NOTION_OAUTH_AUTHORIZE_URL',
  slackAuthorizeUrl: 'SLACK_OAUTH_AUTHORIZE_URL',
  /** AWS (set by the Lambda runtime): metrics are emitted only inside Lambda. */
  lambdaFunctionName: 'AWS_LAMBDA_FUNCTION_NAME',
  /** local: the SQS endpoint (fauxqs); when set, it wins over the queue URL's host. */
  sqsEndpoint: 'AWS_ENDPOINT_URL_SQS',
  /** infra, user: Powertools' service name and metrics switch. */
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsMetricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
  /** infra: Powertools' metrics namespace (Powertools' own use; the code names it in metric-names.ts). */
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /** infra, local, user: Powertools' log level (Powertools reads it itself; the local stack sets it from log_level). */
  powertoolsLogLevel: 'POWERTOOLS_LOG_LEVEL',
  /** infra: the EventBridge bus tenant events are published on (functions that publish). */
  eventBusName: 'TAJO_EVENT_BUS_NAME',
  /** user (tests, demos): the event deliveries' backoff in seconds, comma-separated (app/event-delivery.ts). */
  eventRetrySeconds: 'TAJO_EVENT_RETRY_SECONDS',
  /** user (tests, demos): the lane retry's first backoff step (lane-retry.ts). */
  laneRetryBaseMs: 'TAJO_LANE_RETRY_BASE_MS',
  /** user (test rigs, the fault suite): provider call retry policy overrides (retry-policy.ts). */
  retryBaseMs: 'TAJO_RETRY_BASE_MS',
  retryMaxMs: 'TAJO_RETRY_MAX_MS',
  retryAttempts: 'TAJO_RETRY_ATTEMPTS',
  httpTimeoutMs: 'TAJO_HTTP_TIMEOUT_MS',
  /** user: rows gathered per Brevo write, also how often a run checkpoints (the CLI checks the value). */
  syncFlushRows: 'TAJO_SYNC_FLUSH_ROWS',
  /** user: the local stack's and the CLI's state directory (default ./.tajo). */
  stateDir: 'TAJO_STATE_DIR',
  /** infra, local: the catalogue's definition files (shared/connectors/catalogue), when the code runs bundled away from them. */
  catalogueDir: 'TAJO_CATALOGUE_DIR',
  /**
   * infra, user: `allow` lets a deployed stack call platforms on private, loopback or link-local
   * addresses (a platform inside the VPC); by default a Lambda refuses them (a tenant's definition
   * must not reach the runtime's own endpoints).
   */
  platformPrivateUrls: 'TAJO_PLATFORM_PRIVATE_URLS',
  /** user: the config file (default tajo.yaml). */
  config: 'TAJO_CONFIG',
  /** user: the local stack's port (default 3000). */
  port: 'PORT',
  /** user: the sandbox Notion's rows (npm start). */
  sandboxRows: 'TAJO_SANDBOX_ROWS',
  /** user: every local poll every N minutes instead of the config's cadence. */
  localPollMinutes: 'TAJO_LOCAL_POLL_MINUTES',
  /** user: the CLI's management API, its key, and the profile (file) that holds them. */
  apiUrl: 'TAJO_API_URL',
  apiKey: 'TAJO_API_KEY',
  profile: 'TAJO_PROFILE',
  profileFile: 'TAJO_PROFILE_FILE',
  /** user (the shell): the home directory, where the CLI keeps its profiles and error log without a state. */
  home: 'HOME',
  /** user, AWS: the region of the AWS SDK's clients (the CLI needs none for a queue URL that names one). */
  awsRegion: 'AWS_REGION',
  awsDefaultRegion: 'AWS_DEFAULT_REGION',
  /** user: the distributed Slack app's signing secret and OAuth client the local stack serves (default: the sandbox's). */
  slackAppSigningSecret: 'SLACK_APP_SIGNING_SECRET',
  slackAppClientId: 'SLACK_APP_CLIENT_ID',
  slackAppClientSecret: 'SLACK_APP_CLIENT_SECRET',
  /** user: the Notion OAuth app (public connection) the local stack serves. */
  notionOAuthClientId: 'NOTION_OAUTH_CLIENT_ID',
  notionOAuthClientSecret: 'NOTION_OAUTH_CLIENT_SECRET',
} as const;

/** Unset and empty are the same: unset. */
const text = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
/** A positive whole number, or nothing: any other value is ignored. */
const positiveInt = z
  .string()
  .optional()
  .transform((v) => {
    const n = Number(v);
    return v !== undefined && v !== '' && Number.isInteger(n) && n > 0 ? n : undefined;
  });

/** A positive number, or nothing: any other value is ignored. */
const positiveNumber = z
  .string()
  .optional()
  .transform((v) => (Number(v) > 0 ? Number(v) : undefined));

/** The fixed-name variables, parsed (the per-queue and per-schedule ones are read by name: requiredEnv). */
export const envSchema = z.object({
  table: text,
  secretsKmsKeyId: text,
  secretsPrefix: text.transform((v) => v ?? ''),
  slackAppSecret: text,
  notionAppSecret: text,
  documentsBucket: text,
  documentsKmsKeyId: text,
  stage: text,
  logApiCalls: text,
  logEvents: text,
  notionBaseUrl: text,
  brevoBaseUrl: text,
  slackApiUrl: text,
  notionAuthorizeUrl: text,
  slackAuthorizeUrl: text,
  lambdaFunctionName: text,
  sqsEndpoint: text,
  powertoolsServiceName: text.transform((v) => v ?? 'tajo-connectors'),
  powertoolsMetricsDisabled: text.transform((v) => v === 'true'),
  powertoolsLogLevel: text,
  laneRetryBaseMs: positiveNumber,
  eventBusName: text,
  eventRetrySeconds: text,
  retryBaseMs: positiveInt,
  retryMaxMs: positiveInt,
  retryAttempts: positiveInt,
  httpTimeoutMs: positiveInt,
  syncFlushRows: text,
  stateDir: text,
  catalogueDir: text,
  platformPrivateUrls: text,
  config: text,
  apiUrl: text,
  apiKey: text,
  profile: text,
  profileFile: text,
  home: text,
  awsRegion: text,
  awsDefaultRegion: text,
  port: text,
  sandboxRows: text,
  localPollMinutes: text,
  slackAppSigningSecret: text,
  slackAppClientId: text,
  slackAppClientSecret: text,
  notionOAuthClientId: text,
  notionOAuthClientSecret: text,
});

export type TajoEnv = z.infer<typeof envSchema>;
type FixedName = keyof TajoEnv;

/** The environment, parsed (read at each call: it changes under the local stack and the tests). */
export function readEnv(source: NodeJS.ProcessEnv = process.env): TajoEnv {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape) as FixedName[]) raw[key] = source[ENV[key]];
  return envSchema.parse(raw);
}

/** A variable read by name (a queue's URL, a schedule's settings): throws when it is not set. */
export function requiredEnv(name: string, source: NodeJS.ProcessEnv = process.env): string {
  const v = source[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

/** A variable read by name, or undefined when unset or empty. */
export function optionalEnv(name: string, source: NodeJS.ProcessEnv = process.env): string | undefined {
  return source[name] || undefined;
}

/** DESIGN §4: NOTION_BASE_URL and BREVO_BASE_URL override where the clients call. */
export interface Endpoints {
  notionBaseUrl?: string;
  brevoBaseUrl?: string;
  /** SLACK_API_URL: where the Slack client calls (the handlers' endpoints carry it; the Notion context ignores it). */
  slackApiUrl?: string;
  /** `<NAME>_BASE_URL` of a definition connector (platformEndpointKey): where it calls instead of its base_url. */
  [platform: `platform:${string}`]: string | undefined;
}

/** The variables that are not a definition connector's base URL although they end in _BASE_URL. */
const OWN_BASE_URLS: ReadonlySet<string> = new Set([ENV.notionBaseUrl, ENV.brevoBaseUrl]);

/**
 * `SHOPIFY_BASE_URL` (local, user): where a definition connector calls instead of the base_url its
 * definition or connection gives, like NOTION_BASE_URL (the sandbox's simulators). The name is the
 * connector's, upper-cased, `-` as `_`.
 */
export function platformBaseUrlVariable(connector: string): string {
  return `${connector.toUpperCase().replace(/-/g, '_')}_BASE_URL`;
}

/** The key of a connector's base-URL override in Endpoints. */
export function platformEndpointKey(connector: string): `platform:${string}` {
  return `platform:${connector}`;
}

/** DESIGN §4: where the Notion and Brevo clients call (undefined: the providers' own), and the platforms' overrides. */
export function endpointsFromEnv(source: NodeJS.ProcessEnv = process.env): Endpoints {
  const env = readEnv(source);
  const endpoints: Endpoints = { notionBaseUrl: env.notionBaseUrl, brevoBaseUrl: env.brevoBaseUrl };
  for (const [name, value] of Object.entries(source)) {
    const m = /^([A-Z][A-Z0-9_]*)_BASE_URL$/.exec(name);
    if (m?.[1] === undefined || OWN_BASE_URLS.has(name) || !value) continue;
    endpoints[platformEndpointKey(m[1].toLowerCase().replace(/_/g, '-'))] = value;
  }
  return endpoints;
}
