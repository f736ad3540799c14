import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { readEnv } from '../../shared/core/env';
import type { Provider } from '../../shared/core/errors';
import {
  type ApiCallLine,
  type ApiCallMode,
  apiCallLogFromSpec,
  PROVIDERS,
  parseApiCallSpec,
  setApiCallLog,
} from '../../shared/core/logging/api-calls';
import { parseEventLogSpec } from '../../shared/core/logging/events';
import { redactText, redactValue } from '../../shared/core/logging/redact';
import { METRIC, METRIC_DIMENSION, METRICS_NAMESPACE, type MetricName } from '../../shared/core/metric-names';
import type { ConnectorName, SyncSummary } from '../../shared/core/ports';
import { logRequests } from './request-log';

/** Read once per container: infra sets these per function, the local stack before it loads the bundles. */
const env = readEnv();

/**
 * Powertools' JSON lines, redacted (shared/core/logging/redact.ts): the message, every attribute and
 * every error a handler or service logs. Records hold secret refs, not values, but provider errors
 * echo what the provider answered (an email, a key name), and a debug line may carry a payload.
 */
export class RedactingLogFormatter extends LogFormatter {
  /** Powertools' default structure (its PowertoolsLogFormatter is not exported), redacted. */
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: redactText(attributes.message),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_arn: attributes.lambdaContext?.invokedFunctionArn,
      function_memory_size: attributes.lambdaContext?.memoryLimitInMB,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
    };
    return new LogItem({ attributes: base }).addAttributes(redactValue(additional) as LogAttributes);
  }

  /** Errors become text here (the logger's JSON replacer calls this for every Error it meets). */
  override formatError(error: Error): LogAttributes {
    const formatted = super.formatError(error);
    const out: LogAttributes = {};
    for (const [k, v] of Object.entries(formatted)) {
      // name and location are the code's, not data; an Error cause was formatted (redacted) by this method.
      if (k === 'name' || k === 'location') out[k] = v;
      else if (k === 'cause') out[k] = typeof v === 'string' ? redactText(v) : v;
      else out[k] = redactValue(v);
    }
    return out;
  }
}

/** One logger per function; its level is POWERTOOLS_LOG_LEVEL (the config's log_level locally). */
export const logger = new Logger({
  serviceName: env.powertoolsServiceName,
  logFormatter: new RedactingLogFormatter(),
});

/**
 * log_api_calls (TAJO_LOG_API_CALLS = calls | bodies, or per provider `notion=bodies,brevo=off,...`
 * when connector sections differ): one line per provider call. Its own child logger at INFO, so the
 * calls show even where the function logs only warnings.
 */
const apiCallLogger = logger.createChild({ logLevel: 'INFO' });
const apiCalls = apiCallLogFromSpec(env.logApiCalls, (line) => apiCallLogger.info('api call', { ...line }));

/**
 * Custom metrics (CloudWatch EMF, namespace and names in shared/core/metric-names.ts). Emitted only inside
 * Lambda, where the function's log group turns EMF lines into metrics; the local stack and tests
 * load these modules too, and their output is for people.
 */
const metricsOn = Boolean(env.lambdaFunctionName) && !env.powertoolsMetricsDisabled;
const metricsService = env.powertoolsServiceName;
/** The stage is a dimension: stages may share an account, and their metrics must not add up. */
const metricsStage = env.stage ?? 'unknown';

/** Counts of this invocation, per dimension set (`connector=notion`, `provider=brevo`, or none). */
const pending = new Map<string, { dimensions: Record<string, string>; values: Map<MetricName, number> }>();

function count(name: MetricName, value: number, dimensions: Record<string, string> = {}): void {
  if (!metricsOn || !(value > 0)) return;
  const key = JSON.stringify(dimensions);
  let set = pending.get(key);
  if (!set) {
    set = { dimensions, values: new Map() };
    pending.set(key, set);
  }
  set.values.set(name, (set.values.get(name) ?? 0) + value);
}

/** Writes this invocation's counts as one EMF line per dimension set (the middleware calls it). */
export function publishMetrics(): void {
  for (const { dimensions, values } of pending.values()) {
    const m = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: metricsService,
      defaultDimensions: { [METRIC_DIMENSION.stage]: metricsStage },
    });
    for (const [name, value] of Object.entries(dimensions)) m.addDimension(name, value);
    for (const [name, value] of values) m.addMetric(name, MetricUnit.Count, value);
    m.publishStoredMetrics();
  }
  pending.clear();
}

/**
 * Every provider call reaches the process's API call log (shared/core/http/paced-fetch.ts reports each
 * attempt there), so counting 429s there sees each of them, retried or not, per provider, without
 * a counter threaded through every client. In Lambda the log is therefore always installed; it
 * writes a line only for the providers whose calls are logged (log_api_calls), as before.
 */
function countCall(line: ApiCallLine): void {
  if (line.status === 429) count(METRIC.providerRateLimited, 1, { [METRIC_DIMENSION.provider]: line.provider });
}
if (metricsOn) {
  const modes = parseApiCallSpec(env.logApiCalls);
  setApiCallLog({
    bodies: false,
    // An unlogged provider still reports its calls (line only, never bodies) so they are counted.
    providers: Object.fromEntries(
      PROVIDERS.map((p): [Provider, ApiCallMode] => [p, modes[p] === 'off' ? 'calls' : modes[p]]),
    ),
    write: (line) => {
      countCall(line);
      if (modes[line.provider] !== 'off') apiCallLogger.info('api call', { ...line });
    },
  });
} else if (apiCalls) setApiCallLog(apiCalls);

/** A finished run (status `succeeded` or `failed`; a run still going is counted when it ends). */
export interface FinishedRunLike {
  connector: ConnectorName;
  status: 'running' | 'succeeded' | 'failed';
  summary?: Pick<SyncSummary, 'upserted' | 'removed' | 'failed'>;
}

/**
 * A run's outcome: RunsSucceeded or RunsFailed, RowsWritten (upserted + removed) and RowsFailed, per
 * connector. Takes what the lane returns (a run record, or nothing) and gives it back, so a handler
 * wires it in with `.then(recordRun)`.
 */
export function recordRun<T extends FinishedRunLike | undefined>(run: T): T {
  if (!run || run.status === 'running') return run;
  const dims = { [METRIC_DIMENSION.connector]: run.connector };
  count(run.status === 'succeeded' ? METRIC.runsSucceeded : METRIC.runsFailed, 1, dims);
  if (run.summary) {
    count(METRIC.rowsWritten, run.summary.upserted + run.summary.removed, dims);
    count(METRIC.rowsFailed, run.summary.failed, dims);
  }
  return run;
}

/** The part of the Slack daily job's result that is a run: the member sync. */
interface SlackDailyLike {
  users?:
    | { status: 'done'; result: { summary: Pick<SyncSummary, 'upserted' | 'removed' | 'failed'> } }
    | { status: 'skipped' }
    | { status: 'failed' };
}

/** The Slack daily job, done (`.then(recordSlackDaily, ...)`): its member sync is a Slack run. */
export function recordSlackDaily<T extends SlackDailyLike>(result: T): T {
  const users = result.users;
  if (users?.status === 'done') recordRun({ connector: 'slack', status: 'succeeded', summary: users.result.summary });
  else if (users?.status === 'failed') recordRun({ connector: 'slack', status: 'failed' });
  return result;
}

/** The Slack daily job, thrown (SlackDailyFailed carries its result): counted, then rethrown. */
export function recordSlackDailyFailure(err: unknown): never {
  const result = (err as { result?: unknown } | null)?.result;
  if (result && typeof result === 'object') recordSlackDaily(result as SlackDailyLike);
  throw err;
}

/** A Slack lane batch: notifications posted (messages and digests) and messages that failed. */
export function recordNotifications(res: { posted: number; failed: readonly string[] }): void {
  count(METRIC.notificationsPosted, res.posted);
  count(METRIC.notificationsFailed, res.failed.length);
}

/** A Brevo action from Slack that failed this attempt (the lane retries it, then dead-letters it). */
export function recordBrevoActionFailed(): void {
  count(METRIC.brevoActionsFailed, 1);
}

/** The Notion poller's result: the scheduled syncs it queued. */
export function recordPoll<T extends { queued: number }>(result: T): T {
  count(METRIC.syncsQueued, result.queued);
  return result;
}

/** Tenant events the bus refused after its retries (a run's end: logged; a webhook's: its source retries). */
export function recordEventsPublishFailed(events: number): void {
  count(METRIC.eventsPublishFailed, events);
}

/** One event delivery's attempt: acknowledged by its endpoint, or failed (retried, then DLQ). */
export function recordEventDelivery(delivered: boolean): void {
  count(delivered ? METRIC.eventsDelivered : METRIC.eventDeliveriesFailed, 1);
}

/** log_events (TAJO_LOG_EVENTS = the connectors whose inbound events are logged, e.g. `slack`). */
const eventsLogged = parseEventLogSpec(env.logEvents);

/** Publishes the invocation's metrics when it ends, returned or thrown (a failed run counts too). */
const metricsFlush: MiddlewareObj = {
  after: async () => publishMetrics(),
  onError: async () => publishMetrics(),
};

/**
 * Every handler's logging: the Lambda context on each line (the API call lines too), the request
 * lines at debug, and the invocation's custom metrics published at its end.
 */
export function lambdaLogging(): MiddlewareObj[] {
  const loggers = apiCalls ? [logger, apiCallLogger] : [logger];
  return [injectLambdaContext(loggers) as MiddlewareObj, logRequests(logger, eventsLogged), metricsFlush];
}
