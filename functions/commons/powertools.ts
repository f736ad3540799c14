import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import type { MiddlewareObj } from '@middy/core';
import { apiCallLogFromSpec, setApiCallLog } from '../../shared/logging/api-calls';
import { parseEventLogSpec } from '../../shared/logging/events';
import { redactText, redactValue } from '../../shared/logging/redact';
import { ENV } from '../../shared/topology';
import { logRequests } from './request-log';

/**
 * Powertools' JSON lines, redacted (shared/logging/redact.ts): the message, every attribute and
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
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'tajo-connectors',
  logFormatter: new RedactingLogFormatter(),
});

/**
 * log_api_calls (TAJO_LOG_API_CALLS = calls | bodies, or per provider `notion=bodies,brevo=off,...`
 * when connector sections differ): one line per provider call. Its own child logger at INFO, so the
 * calls show even where the function logs only warnings.
 */
const apiCallLogger = logger.createChild({ logLevel: 'INFO' });
const apiCalls = apiCallLogFromSpec(process.env[ENV.logApiCalls], (line) =>
  apiCallLogger.info('api call', { ...line }),
);
if (apiCalls) setApiCallLog(apiCalls);

/** log_events (TAJO_LOG_EVENTS = the connectors whose inbound events are logged, e.g. `slack`). */
const eventsLogged = parseEventLogSpec(process.env[ENV.logEvents]);

/**
 * Every handler's logging: the Lambda context on each line (the API call lines too), and the
 * request lines at debug.
 */
export function lambdaLogging(): MiddlewareObj[] {
  const loggers = apiCalls ? [logger, apiCallLogger] : [logger];
  return [injectLambdaContext(loggers) as MiddlewareObj, logRequests(logger, eventsLogged)];
}
