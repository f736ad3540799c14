/**
 * The platform webhook route in the topology (what `npm start` serves and CDK creates): a greedy
 * path after the connector, served by the ingress; the Brevo and Notion webhook routes keep their
 * doors; the platform lane is a FIFO queue the platform worker consumes and the ingress feeds.
 */
import { matchRoute } from '../../local/http-gateway';
import { describeRequest } from '../../local/request-log';
import { topology } from '../../shared/app/topology';
import { PLATFORM_WEBHOOK_ROUTE_KEY } from '../../shared/connectors/custom/ingress/unit';

test('/webhooks/brevo/{tenantId} and /webhooks/notion/{tenantId} route as before', () => {
  expect(matchRoute('POST', '/webhooks/brevo/acme')).toMatchObject({
    route: { path: '/webhooks/brevo/{tenantId}', auth: 'brevoWebhookToken' },
    params: { tenantId: 'acme' },
  });
  expect(matchRoute('POST', '/webhooks/notion/acme')).toMatchObject({
    route: { path: '/webhooks/notion/{tenantId}', auth: 'notionSignature' },
    params: { tenantId: 'acme' },
  });
});

test('a platform delivery: tenant, connector and the rest of the path (greedy)', () => {
  expect(matchRoute('POST', '/webhooks/default/shopify/webhooks')).toMatchObject({
    route: { path: '/webhooks/{tenantId}/{connector}/{path+}', function: 'ingress', auth: 'definitionSignature' },
    params: { tenantId: 'default', connector: 'shopify', path: 'webhooks' },
  });
  expect(matchRoute('POST', '/webhooks/acme/acmeshop/webhooks/order')?.params).toEqual({
    tenantId: 'acme',
    connector: 'acmeshop',
    path: 'webhooks/order',
  });
  // No path after the connector: no route (API Gateway's 404), as a greedy parameter needs one segment.
  expect(matchRoute('POST', '/webhooks/acme/shopify')).toBeUndefined();
  expect(matchRoute('GET', '/webhooks/acme/shopify/webhooks')).toBeUndefined();
});

test('the route once, its lane FIFO, consumed by the platform worker and fed by the ingress', () => {
  expect(topology.routes.filter((r) => `${r.method} ${r.path}` === PLATFORM_WEBHOOK_ROUTE_KEY)).toHaveLength(1);
  expect(topology.queues.platformLane.fifo).toBe(true);
  expect(topology.functions.platformWorker.consumes?.queue).toBe('platformLane');
  expect(topology.functions.ingress.sendsTo).toContain('platformLane');
  expect(topology.functions.platformWorker.readsSecrets).toBe(true);
  // A failed delivery is retried through the timer queue, which hands it back to the platform lane.
  expect(topology.functions.platformWorker.sendsTo).toContain('timerQueue');
  expect(topology.functions.timerWorker.sendsTo).toContain('platformLane');
  // The worker's visibility timeout covers its runs (AWS: six times the function's timeout).
  expect(topology.queues.platformLane.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
    6 * topology.functions.platformWorker.timeoutSeconds,
  );
});

test("npm start's terminal line for a platform delivery: queued, ignored or refused with its reason", () => {
  const params = { tenantId: 'default', connector: 'shopify', path: 'webhooks' };
  const line = (status: number, body: unknown) =>
    describeRequest('POST', '/webhooks/{tenantId}/{connector}/{path+}', params, status, JSON.stringify(body));
  expect(line(200, { accepted: 1 })).toBe('← shopify webhook for default (/webhooks): queued');
  expect(line(200, { accepted: 0, ignored: 'no webhook of shopify at /webhooks matches' })).toBe(
    '← shopify webhook for default (/webhooks): ignored (no webhook of shopify at /webhooks matches)',
  );
  expect(line(401, { error: 'X-Shopify-Hmac-Sha256 does not match' })).toBe(
    '← shopify webhook for default (/webhooks): refused (401: X-Shopify-Hmac-Sha256 does not match)',
  );
});
