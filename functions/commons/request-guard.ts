/**
 * The doors' first middleware (before logging, parsing or any store call): a request over the
 * body limit, with an id no tenant or resource can have, invalid UTF-8 or nesting too deep for any
 * real payload is answered here, 413 or 400 with a one-line reason (shared/core/http/request-guard.ts).
 * It logs one warning with the reason and the route only: never the body.
 */
import type { MiddlewareObj } from '@middy/core';
import { type GuardedEvent, guardRequest, refusalResponse } from '../../shared/core/http/request-guard';
import { logger } from './powertools';

export function requestGuard(): MiddlewareObj {
  return {
    before: (request) => {
      const event = request.event as GuardedEvent & { routeKey?: string };
      const refusal = guardRequest(event);
      if (!refusal) return undefined;
      logger.warn('request refused at the door', {
        status: refusal.status,
        reason: refusal.error,
        route: event.routeKey,
      });
      return refusalResponse(refusal);
    },
  };
}
