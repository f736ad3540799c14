/**
 * Request logging at debug (`debug: true` / `log_level: debug`): what each invocation received and
 * answered, as two Powertools lines. Bodies are redacted by key here (a body is a string to the
 * logger, so its own redaction could only look at it as text); headers, path parameters and the
 * rest go through the logger's redacting formatter.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import { connectorOfInboundRoute } from '../../shared/connectors';
import { PLATFORM_WEBHOOK_ROUTE_KEY, platformWebhookUnit } from '../../shared/connectors/custom/ingress/unit';
import type { Provider } from '../../shared/core/errors';
import { TENANT_EVENT_SOURCE } from '../../shared/core/events/tenant-events';
import { headerValue } from '../../shared/core/http/headers';
import { redactBody, redactQuery, redactUrlPart } from '../../shared/core/logging/redact';

interface HttpEvent {
  routeKey: string;
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

interface SqsEvent {
  Records: { messageId: string; body: string; attributes?: Record<string, string | undefined> }[];
}

const isHttp = (e: unknown): e is HttpEvent => typeof (e as HttpEvent | undefined)?.routeKey === 'string';
const isSqs = (e: unknown): e is SqsEvent => Array.isArray((e as SqsEvent | undefined)?.Records);

/** The received event, fit for a debug line. */
export function describeEvent(event: unknown): Record<string, unknown> {
  if (isHttp(event)) {
    const contentType = headerValue(event.headers, 'content-type');
    const text =
      event.body === undefined
        ? undefined
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
    return {
      route: event.routeKey,
      path: event.rawPath === undefined ? undefined : redactUrlPart(event.rawPath),
      query: event.rawQueryString ? redactQuery(event.rawQueryString) : undefined,
      pathParameters: event.pathParameters,
      headers: event.headers,
      body: text === undefined ? undefined : redactBody(text, contentType, { personal: inboundBodies(event.routeKey) }),
    };
  }
  if (isSqs(event)) {
    return {
      records: event.Records.map((r) => ({
        messageId: r.messageId,
        group: r.attributes?.MessageGroupId,
        receiveCount: r.attributes?.ApproximateReceiveCount,
        body: redactBody(r.body, 'application/json', { personal: recordBodies(r.body) }),
      })),
    };
  }
  return { input: event };
}

/** What the handler answered: the HTTP status, the failed SQS records, or the result. */
export function describeResult(result: unknown): Record<string, unknown> {
  const r = result as { statusCode?: number; batchItemFailures?: unknown[] } | undefined;
  if (typeof r?.statusCode === 'number') return { status: r.statusCode };
  if (Array.isArray(r?.batchItemFailures)) return { failedRecords: r.batchItemFailures.length };
  return { result };
}

/**
 * `events`: the connectors whose inbound events (`log_events`) are logged as they arrive, by a
 * child logger at INFO so they show whatever the function's level (as the API call lines do); at
 * debug every request is logged anyway.
 */
export function logRequests(logger: Logger, events: ReadonlySet<Provider> = new Set()): MiddlewareObj {
  const started = new WeakMap<object, number>();
  const debugOn = () => logger.getLevelName() === 'DEBUG' || logger.getLevelName() === 'TRACE';
  const eventLogger = events.size > 0 ? logger.createChild({ logLevel: 'INFO' }) : undefined;
  return {
    before: (request) => {
      const source = isHttp(request.event) ? connectorOfInboundRoute(request.event.routeKey)?.name : undefined;
      if (eventLogger && source && events.has(source as Provider) && !debugOn()) {
        eventLogger.info('event received', { connector: source, ...describeEvent(request.event) });
      }
      if (!debugOn()) return;
      started.set(request, Date.now());
      logger.debug('request', describeEvent(request.event));
    },
    after: (request) => {
      if (!debugOn()) return;
      logger.debug('response', { ...describeResult(request.response), ms: Date.now() - (started.get(request) ?? 0) });
    },
    onError: (request) => {
      if (!debugOn()) return;
      logger.debug('failed', { error: request.error as Error, ms: Date.now() - (started.get(request) ?? 0) });
    },
  };
}

/**
 * How a door's bodies are redacted: as the connector owning the route says (its descriptor); the
 * platform route's (every definition-backed connector's) as its unit says.
 */
/**
 * A tenant event (the bus's envelope, or one endpoint's delivery of it) is about a person under
 * keys of any name (`value`, `previousValue`, a platform's fields): personal as a whole, as Slack
 * bodies are. Other lane messages are redacted by key.
 */
function recordBodies(body: string): 'all' | 'keys' {
  return body.includes(`"source":"${TENANT_EVENT_SOURCE}"`) || body.startsWith('{"deliver":') ? 'all' : 'keys';
}

function inboundBodies(routeKey: string): 'all' | 'keys' {
  if (routeKey === PLATFORM_WEBHOOK_ROUTE_KEY) return platformWebhookUnit.inboundBodies;
  return connectorOfInboundRoute(routeKey)?.inboundBodies ?? 'keys';
}
