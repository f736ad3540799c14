/**
 * The management API's Slack notify route: POST /tenants/{tenantId}/slack/notify (tenant API key;
 * api.ts authenticates and scopes the tenant before it runs). The body and answer schemas are
 * exported for the OpenAPI document and the SDK's types. An `Idempotency-Key` header makes a retried
 * call the same notification (posted once).
 */
import type { ApiResponse, Operation } from '../../core/http/api-types';
import { readJsonBody } from '../../core/http/request-body';
import { type NotifyAnswer, notifyAnswerSchema, notifyBodySchema, notifySlack } from './notify';

export { notifyAnswerSchema as slackNotifyAnswerSchema, notifyBodySchema as slackNotifyBodySchema };

export const SLACK_NOTIFY_ROUTE_KEY = 'POST /tenants/{tenantId}/slack/notify';

export const slackNotifyOperations: Record<string, Operation> = {
  [SLACK_NOTIFY_ROUTE_KEY]: async (deps, req, tenantId): Promise<ApiResponse> => {
    const body = readJsonBody(req.body, notifyBodySchema, { required: true });
    const answer: NotifyAnswer = await notifySlack(deps, {
      tenantId,
      body,
      idempotencyKey: req.headers['idempotency-key'] ?? req.headers['Idempotency-Key'],
    });
    return { status: 202, body: notifyAnswerSchema.parse(answer) };
  },
};
