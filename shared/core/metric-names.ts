/**
 * The custom metrics the functions emit (functions/commons/powertools.ts, CloudWatch EMF) and the
 * dashboard and alarms read (infra/constructs/monitoring.ts). One list, so a renamed metric cannot
 * leave a dashboard line or an alarm watching nothing.
 *
 * Dimensions are few and bounded: the stage (one per stack), the connector, the provider. Never the
 * tenant: every distinct dimension value is a separate billed CloudWatch metric (thousands of tenants
 * × metrics), alarms cannot sum over an unbounded set, and the per-tenant picture already exists in
 * the run records (`tajo status`). A tenant id stays in the log lines, where Logs Insights finds it.
 */
import type { Provider } from './errors';
import type { ConnectorName } from './ports';

export const METRICS_NAMESPACE = 'Tajo';

export const METRIC = {
  /** A connector's run (Notion sync and its jobs, Slack member sync) that ended `succeeded`. */
  runsSucceeded: 'RunsSucceeded',
  /** A run that ended `failed` (its reason is in the run record: `tajo status`). */
  runsFailed: 'RunsFailed',
  /** Rows a finished run wrote to Brevo (upserted + removed); the dashboard divides by the period: rows/s. */
  rowsWritten: 'RowsWritten',
  /** Rows a finished run could not write (the run's `failed`). */
  rowsFailed: 'RowsFailed',
  /** Every 429 a provider answered, retried or not (dimension: provider). */
  providerRateLimited: 'ProviderRateLimited',
  /** Slack lane: notifications (messages and digests) posted, and messages that failed (retried, then DLQ). */
  notificationsPosted: 'NotificationsPosted',
  notificationsFailed: 'NotificationsFailed',
  /** Brevo lane: actions from Slack that failed this attempt (retried, then DLQ). */
  brevoActionsFailed: 'BrevoActionsFailed',
  /** Scheduled Notion syncs the poller queued. */
  syncsQueued: 'SyncsQueued',
  /** Tenant events that could not be put on the bus (the source retries; a run's are logged). */
  eventsPublishFailed: 'EventsPublishFailed',
  /** Event deliveries an endpoint refused or missed this attempt (retried with backoff, then DLQ). */
  eventDeliveriesFailed: 'EventDeliveriesFailed',
  /** Event deliveries an endpoint acknowledged (2xx). */
  eventsDelivered: 'EventsDelivered',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Dimension names. `service` is Powertools' own default dimension (POWERTOOLS_SERVICE_NAME). */
export const METRIC_DIMENSION = {
  service: 'service',
  stage: 'stage',
  connector: 'connector',
  provider: 'provider',
} as const;

/** The connectors whose runs are counted (run metrics carry `connector`). */
export const RUN_CONNECTORS: readonly ConnectorName[] = ['notion', 'slack'];

/** The providers whose 429s are counted (ProviderRateLimited carries `provider`). */
export const RATE_LIMITED_PROVIDERS: readonly Provider[] = ['notion', 'brevo', 'slack'];

/** The metrics counted per connector; the others per stage (ProviderRateLimited per provider). */
export const PER_CONNECTOR: readonly MetricName[] = [
  METRIC.runsSucceeded,
  METRIC.runsFailed,
  METRIC.rowsWritten,
  METRIC.rowsFailed,
];
