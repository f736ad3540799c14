/**
 * The shapes of the management API, independent of API Gateway and of any connector: a request
 * (route key, path parameters, headers, raw body), an answer (status, JSON body), what an operation
 * gets to work with, and the /health report. The app's router (app/api.ts) and the connectors'
 * own routes (e.g. the Notion document library) share them.
 */
import type {
  CallBudgetStore,
  Clock,
  ConnectionHealth,
  ConnectionStore,
  CursorStore,
  DefinitionStore,
  EventEndpointStore,
  LaneQueue,
  NotificationDeliveryStore,
  RunStore,
  ScheduleManager,
  SecretStore,
  SkillStore,
  TenantStore,
  WebhookSubscriptionStore,
  WorkspaceClaimStore,
} from '../ports';
import type { DocumentStore, ImportedDocumentStore } from '../ports/documents';

export interface ApiRequest {
  routeKey: string;
  pathParameters: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  body?: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** Headers beyond content-type (Retry-After on a 503 or 429). */
  headers?: Record<string, string>;
}

export interface ApiDeps {
  tenants: TenantStore;
  connections: ConnectionStore;
  runs: RunStore;
  cursors: CursorStore;
  lane: LaneQueue;
  secrets: SecretStore;
  schedules: ScheduleManager;
  teams: WorkspaceClaimStore;
  webhooks: WebhookSubscriptionStore;
  clock: Clock;
  /** The document library (imported Notion pages) and their records. */
  documents: DocumentStore;
  imported: ImportedDocumentStore;
  /** The skills the tenant turned on (GET|PUT|DELETE /tenants/{t}/skills). */
  skills: SkillStore;
  /** The connector definitions the tenant registered (/tenants/{t}/definitions). */
  definitions: DefinitionStore;
  /**
   * Provider calls counted across invocations: the SDK's Notion calls and a connection test take
   * their slots from the integration's schedule, shared with its lane (core/ratelimit/shared-pacer.ts).
   */
  budgets: CallBudgetStore;
  /** The tenant's event endpoints (/tenants/{t}/event-endpoints); without it those routes fail. */
  eventEndpoints: EventEndpointStore;
  /** Notifications posted and failed, for a status (Slack's; without it: not shown). */
  deliveries?: NotificationDeliveryStore;
  /** Where the provider clients call (NOTION_BASE_URL, BREVO_BASE_URL, SLACK_API_URL). */
  endpoints: { notionBaseUrl?: string; brevoBaseUrl?: string; slackApiUrl?: string };
  /** GET /health's provider states (the API function probes them, cached); without it: liveness only. */
  health?: () => Promise<HealthReport>;
}

export type Operation = (deps: ApiDeps, req: ApiRequest, tenantId: string) => Promise<ApiResponse>;

export type ProviderName = ConnectionHealth['providers'][number];

export interface ProviderState {
  state: 'ok' | 'degraded';
  /** Why it is degraded (absent when ok). */
  reason?: string;
  checkedAt: string;
}

export interface HealthReport {
  ok: true;
  service: 'tajo-connectors';
  /** `degraded` when a provider is down: the service itself is up and accepting webhooks. */
  status: 'ok' | 'degraded';
  providers: Record<ProviderName, ProviderState>;
}
