/**
 * What a connector is, to the rest of the product: one typed descriptor per connector folder
 * (`shared/connectors/<name>/descriptor.ts`), listed by the registry (`shared/connectors/index.ts`).
 * The app, the CLI, the topology and the local stack read these fields instead of naming a
 * provider: a new connector is a new folder and one line in the registry.
 *
 * The type is provider-free: it names no connector, and a descriptor's hooks get only core types.
 */
import type { z } from 'zod';
import type { BrevoClient } from './brevo/client';
import type { NotificationIssue as ConfigIssue } from './config/issues';
import type { CheckResult } from './connection-check';
import type { StatusDeps, StatusLines } from './connection-status';
import type {
  CallBudgetStore,
  Clock,
  ConnectionRecord,
  ConnectionStore,
  ConnectionWorkspace,
  LaneQueue,
  ScheduleManager,
  WebhookSubscriptionStore,
  WorkspaceClaimStore,
} from './ports';

/** Where the provider clients call (NOTION_BASE_URL, BREVO_BASE_URL, SLACK_API_URL), by key. */
export type ProviderEndpoints = { readonly [key: string]: string | undefined };

/** A provider's token answer to a refresh: the new access token and refresh token. */
export interface RefreshedToken {
  accessToken: string;
  refreshToken: string | null;
  expiresInSeconds?: number;
}

/** A token endpoint's OAuth answer (snake_case, as providers send it) as a RefreshedToken. */
export function refreshedToken(answer: {
  access_token: string;
  refresh_token?: string | null;
  expires_in?: number;
}): RefreshedToken {
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? null,
    expiresInSeconds: answer.expires_in,
  };
}

/**
 * A connection's recurring schedule (the Notion poll, the Slack daily job): which topology
 * schedule, the per-connection instance's name, and the options a connection's settings give it.
 */
/** A lane's queue as the topology declares it (see QueueSpec in shared/app/topology.ts). */
export interface LaneSpec {
  fifo: boolean;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  retentionDays: number;
  description: string;
  /**
   * Its message groups begin with the tenant (`<tenant>:…`): a timer hands a message into this lane
   * only in its own tenant's group (core/lanes/timers.ts). A lane without it checks its groups itself.
   */
  tenantGroups?: true;
}

export interface ConnectionSchedule {
  schedule: string;
  /** Its topology entry (see ScheduleSpec in shared/app/topology.ts): when it fires, what it runs. */
  spec: {
    cadence: { everyHours: number } | { dailyAt: { hour: number; minute: number } };
    flexibleWindowMinutes: number;
    sweepEveryHours: number;
    target: string;
    description: string;
  };
  instanceName(tenantId: string): string;
  /** What the schedule hands its target (default `{tenantId}`; a schedule shared by connectors adds its connector). */
  input?(tenantId: string): Record<string, unknown>;
  options?(settings: unknown): { timezone?: string };
}

/** A route a connector serves, as the topology declares it (RouteSpec in shared/app/topology.ts). */
export interface ConnectorRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path syntax: `{param}`. */
  path: string;
  /** The topology function that serves it (api, ingress, connection). */
  function: string;
  /** How the route authenticates (RouteSpec's `auth`); the function enforces it. */
  auth: string;
  description: string;
}

/** A route's key as API Gateway and the handlers name it: `METHOD /path`. */
export function routeKey(route: Pick<ConnectorRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

export interface ConnectorCliCommand {
  verb: string;
  summary: string;
  options: string[];
  /** Options of its own the CLI's table does not have (a definition's `--shop-url`): how each is written, what it is. */
  optionHelp?: Readonly<Record<string, { value: string; help: string }>>;
  example: string;
  notes?: string[];
}

/** The stores a connector's own connection state lives in (each one connector's today: ARCHITECTURE.md). */
export interface ConnectorStores {
  teams: WorkspaceClaimStore;
  webhooks: WebhookSubscriptionStore;
}

/** What the app gives a connection hook to reach the provider: the clock and where it calls. */
export interface ConnectionPorts {
  clock: Clock;
  endpoints: ProviderEndpoints;
}

/** The secrets a connection stores (the secret store keeps them; the record only their references). */
export interface ConnectionCredentials {
  token: string;
  /** The signing secret of the tenant's own app, when it has one (Slack). */
  signingSecret?: string;
}

/**
 * Who checked credentials belong to, as the provider answered: `workspace` is kept on the record
 * and shown by status; `account` is the connector's own (Slack: the installation its team claims).
 */
export interface CheckedCredentials {
  workspace?: ConnectionWorkspace;
  account?: unknown;
}

/** The CLI's option values, by their CLI names (`--bot-token` is `bot-token`). */
export type CliOptionValues = { readonly [name: string]: string | boolean | undefined };

/**
 * Connecting by token (PUT .../connections/{name}, `tajo connectors connect <name>`): the body is
 * the connector's config section as JSON, secrets included. The app parses it with the section's
 * schema, keeps what is common (the tenant's Brevo key, the secrets, the record, the schedule) and
 * calls these for what is the connector's. `S` is the settings a record keeps.
 */
export interface ConnectHooks<S = unknown> {
  /** A parsed section, split into the secrets to store and the settings the record keeps. */
  split(section: unknown): { credentials: ConnectionCredentials; settings: S };
  /**
   * Checks the credentials with the provider before anything is stored; a refusal is a
   * RequestRefusedError (400 a credential refused, 502 unreachable) that says what to do.
   */
  check(credentials: ConnectionCredentials, settings: S, ports: ConnectionPorts): Promise<CheckedCredentials>;
  /**
   * Before the record is stored: what the connector holds for the connection (Slack claims its team
   * for the tenant; another tenant's team is refused before anything is stored), and the settings
   * the record keeps with what the check told.
   */
  claim?(
    stores: ConnectorStores,
    args: { tenantId: string; settings: S; checked: CheckedCredentials; createdAt: string },
  ): Promise<S>;
  /** After the record is stored: what the tenant held before and no longer does, released. */
  release?(stores: ConnectorStores, tenantId: string, checked: CheckedCredentials): Promise<void>;
  /** What the connect answer adds about the settings (`{databases: 2}`, `{channels: 3}`). */
  counts(settings: S): Record<string, number>;
  /**
   * Connecting a config's section (the local stack's `npm start`, tests). Absent: the section is
   * stored unchecked (Notion: its poll reports a bad token; the same token's earlier workspace is
   * kept). Given: `when` says whether a section is connected at all (Slack: only when enabled), the
   * credentials are checked, and a provider that does not answer leaves the connection stored
   * unchecked and degraded, with the settings `unchecked` gives (the same token's earlier record
   * lends what a check would tell).
   */
  fromConfig?: {
    when?(section: unknown): boolean;
    unchecked(
      settings: S,
      known: ConnectionRecord<string> | undefined,
    ): { settings: S; workspace?: ConnectionWorkspace };
  };
  /**
   * The CLI's connect body: the config's section (when a config is given) with the secrets of the
   * options; `usage` (one line) when a secret the connector needs is in neither.
   */
  body(
    options: CliOptionValues,
    section: Record<string, unknown> | undefined,
  ): { body: Record<string, unknown> } | { usage: string };
}

/** What a connection test takes beyond its credentials and settings (CLI options, API body). */
export interface TestOptions {
  /** Notion: allow the page-creation check (a row created, then trashed). */
  createPage?: boolean;
  /** Slack: the deployment's events URL for this tenant, to check with a signed url_verification. */
  eventsUrl?: string;
}

/** `tajo connectors test <name>` and POST .../connections/{name}/test: the connection's checks. */
export interface TestHooks<S = unknown> {
  run(args: {
    credentials: ConnectionCredentials;
    settings: S;
    /** How the connection was made (its advice for a refused token differs); absent for a config's section. */
    auth?: 'token' | 'oauth';
    /** The Brevo account it writes to, when known: the mapping is checked against its attributes. */
    brevo?: Pick<BrevoClient, 'readAttributes'>;
    options: TestOptions;
    ports: ConnectionPorts;
    /**
     * A stored connection's call schedule: the test's calls take their slots beside its syncs
     * (absent for a config's section, which has no connection yet).
     */
    schedule?: { store: CallBudgetStore; tenantId: string; integrationKey: string };
  }): Promise<CheckResult[]>;
  /** Its checks read the Brevo account's attributes (the mapping is checked against them). */
  brevo?: true;
  /** The test's options from the CLI's (sent as the API's body when the stack runs the test). */
  options?(values: CliOptionValues): TestOptions;
  /**
   * `tajo connectors test <name>` run here (not against a stack): `config-or-stored` tests a
   * config's section with its own credentials when the config holds them, else the stored
   * connection; `config` always tests the config's section (required). Absent: only through a stack.
   */
  local?: 'config-or-stored' | 'config';
}

/** Sync now through the API: the run's first message queued in the connection's lane. */
export type SyncNowHook = (
  ports: { connections: ConnectionStore; lane: LaneQueue; clock: Clock },
  args: {
    tenantId: string;
    mode: 'full' | 'incremental';
    trigger: 'api';
    /** Abandon an unfinished run and start over (by default it is resumed). */
    restart?: boolean;
    /** Another job than the main sync (Notion: `users`, the workspace members). */
    job?: string;
    /**
     * A narrower run than the connection's whole sync (the SDK's `connectors.sync(name, {...})`):
     * the resources to read (Notion: `databases` | `users`; a definition: its resource names), one
     * database of the connection, the Brevo list its contacts join instead of the configured one.
     * A hook refuses (RequestRefusedError 400) what it cannot honour; absent: the whole sync.
     */
    scope?: SyncScope;
  },
) => Promise<{ queued: boolean; reason?: string; runId?: string }>;

/** What a sync now may be narrowed to (see SyncNowHook's `scope`). */
export interface SyncScope {
  resources?: string[];
  databaseId?: string;
  targetList?: number;
}

/** `tajo connectors status <name>` and GET .../connections/{name}/status. */
export interface StatusHooks<S = unknown, V = unknown> {
  /**
   * The status fields (`connector` among them): from the settings given (a config's section, or
   * the stored record's) and the stored record (none: not connected).
   */
  read(
    deps: StatusDeps,
    tenantId: string,
    settings: S | undefined,
    record: ConnectionRecord<string> | undefined,
  ): Promise<V>;
  /** How the CLI prints them for a person (--json prints them as they are). */
  print(out: StatusLines, status: V): void;
}

export interface ConnectorDescriptor {
  /** The connector's name: its config section (`connectors.<name>`), CLI target and route parameter. */
  name: string;
  /** How a person reads it ("Notion"). */
  label: string;
  /**
   * `platform`: a connection per tenant (connect, test, status, disconnect); `hub`: the tenant's
   * account every connection writes to (Brevo: its key, its webhooks).
   */
  role: 'platform' | 'hub';
  /** The providers a connection's work needs (its own and the hub), for health and degraded marks. */
  providers: string[];
  /** Its config: the YAML section's schema and the cross-key checks zod cannot express. */
  config?: {
    section: z.ZodType;
    /** A missing key's line, by its key in the section: what to add (ConfigSection in core/config/schema.ts). */
    requiredHints?: Readonly<Record<string, string>>;
    /** Issues of a parsed section, with paths under `base` (`connectors.<name>`; empty for an API body). */
    validate?(section: unknown, base: string): ConfigIssue[];
  };
  /** GET /health's probe: the cheapest unauthenticated request the provider answers. */
  health: {
    endpointKey: string;
    probe(baseUrl: string | undefined): { url: string; method: 'GET' | 'POST' };
  };
  /** The topology's routes this connector serves: the HTTP API is built from these (shared/app/topology.ts). */
  http: ConnectorRoute[];
  /** Their route keys (`POST /webhooks/notion/{tenantId}`): `http.map(routeKey)`. */
  routes: string[];
  /** The lanes (queues) it owns, by topology name: the topology's queues are built from these. */
  lanes: Record<string, LaneSpec>;
  /** The path its platform posts one tenant's events to (`{tenantId}` in it), when it has one. */
  eventsPath?: string;
  /**
   * The routes its provider posts inbound events to (Slack's events and interactions, Notion's
   * webhooks, Brevo's webhooks), by route-key prefix: what `log_events` logs and how the request
   * log redacts their bodies (inboundBodies).
   */
  inboundRoutePrefix?: string;
  schedule?: ConnectionSchedule;
  /** Names of the tenant's secrets this connector stores (Secrets Manager adds the stage's prefix). */
  secrets: { token(tenantId: string): string; signingSecret?(tenantId: string): string };
  /** OAuth install: the token refresh against the provider (the deployment's app in `apps`). */
  oauth?: {
    refresh(deps: { apps: object; endpoints: ProviderEndpoints }, refreshToken: string): Promise<RefreshedToken>;
  };
  /**
   * Disconnect: what this connector made beyond its schedule, secrets and record (claims, webhook
   * state), removed; what it removed (merged into the report) and what stays, and why.
   */
  disconnect?(
    deps: { teams: WorkspaceClaimStore; webhooks: WebhookSubscriptionStore },
    tenantId: string,
    deleteSecret: (ref: string | undefined, name: string) => Promise<void>,
  ): Promise<{ removed: Record<string, unknown>; kept: string[] }>;
  /**
   * The management commands `tajo connectors <verb> <name>` serves for it (connect, install, test,
   * status, disconnect), as `--help` shows them: the options beyond --config, --json and where the
   * command runs (--tenant, --api, --profile), by their CLI names.
   */
  cli: { commands: ConnectorCliCommand[] };
  /**
   * How the request log redacts the bodies posted to its routes: `all` when each is personal as a
   * whole (Slack's events and interactions carry people's text; Brevo's and platforms' events each
   * describe a contact), `keys` (default) when personal where its keys say (Notion's webhooks).
   */
  inboundBodies?: 'all' | 'keys';
  /** The hub events (Brevo webhooks, platform events) it consumes, by event kind. */
  consumes?: string[];
  /**
   * A platform connection's operations (connect by token, test, status): the app and the CLI call
   * these through the registry instead of naming the connector. Plain functions, so a connector
   * built at runtime from a definition has them too.
   */
  connection?: {
    connect: ConnectHooks;
    test: TestHooks;
    status: StatusHooks;
    /** Sync now (POST .../connections/{name}/sync); absent: the API refuses it (409, `syncRefusal`). */
    sync?: SyncNowHook;
    /** Why sync now does not run from the API, and where it runs instead (one line). */
    syncRefusal?: string;
  };
}

/** Makes sure an enabled connection has its recurring schedule; a disabled one has none. */
export async function ensureSchedule(
  schedules: ScheduleManager,
  spec: ConnectionSchedule,
  record: { tenantId: string; settings: { enabled: boolean } },
): Promise<boolean> {
  const name = spec.instanceName(record.tenantId);
  const schedule = spec.schedule as Parameters<ScheduleManager['ensure']>[0];
  if (!record.settings.enabled) return schedules.remove(schedule, name).then(() => false);
  const options = spec.options?.(record.settings);
  const input = spec.input?.(record.tenantId) ?? { tenantId: record.tenantId };
  if (options) await schedules.ensure(schedule, name, input, options);
  else await schedules.ensure(schedule, name, input);
  return true;
}
