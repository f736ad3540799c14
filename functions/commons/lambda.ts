/**
 * Every handler's wiring, in one place: middy, the adapters (deps), the Lambda context and the
 * logging and metrics middleware (powertools.ts), and for the HTTP doors the request guard first.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ApiResponse } from '../../shared/core/http/api-types';
import { deps, type HandlerDeps } from './deps';
import { lambdaLogging, logger } from './powertools';
import { requestGuard } from './request-guard';

export interface LambdaOptions {
  /** An HTTP door: requestGuard answers what no route should see, before anything else runs. */
  door?: boolean;
  /**
   * `context`: the Lambda context on each line only, no request lines (the OAuth redirects' query
   * holds an authorization code). Default: lambdaLogging (request lines at debug, metrics).
   */
  logging?: 'context';
}

export function lambda<E, R>(
  fn: (event: E, d: HandlerDeps, context: Context) => Promise<R>,
  options: LambdaOptions = {},
) {
  const handler = middy(async (event: E, context: Context) => fn(event, deps(), context));
  if (options.door) handler.use(requestGuard());
  return handler.use(options.logging === 'context' ? injectLambdaContext(logger) : lambdaLogging());
}

/** An HTTP API (payload 2.0) request, its body decoded. */
export function httpRequestOf(event: APIGatewayProxyEventV2) {
  return {
    routeKey: event.routeKey,
    pathParameters: event.pathParameters ?? {},
    headers: event.headers ?? {},
    query: event.queryStringParameters ?? {},
    body: event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body,
  };
}

/** A JSON answer (its body JSON even when undefined, as API Gateway then sends none). */
export function jsonResponse(
  res: ApiResponse,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: res.status,
    headers: { 'content-type': 'application/json', ...res.headers, ...headers },
    body: JSON.stringify(res.body),
  };
}

/** A JSON answer, or an empty one for an undefined body (what Slack wants for an event it should simply not retry). */
export function jsonOrEmptyResponse(res: ApiResponse): APIGatewayProxyStructuredResultV2 {
  return res.body === undefined ? { statusCode: res.status, body: '' } : jsonResponse(res);
}
