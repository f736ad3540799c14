/**
 * A definition written only from the format (test/fixtures/definitions/acmeshop.yaml, cursor
 * pagination) against its test server: contacts and events read and mapped, its connection checked,
 * its webhooks matched (path, header, body field, the short form), verified and given a delivery id.
 * Plus oauth2: a 401 refreshes the token once at tokenUrl and the read goes on.
 */
import { createHash, createHmac } from 'node:crypto';
import { join } from 'node:path';
import { connectionIssues, resolveBaseUrl } from '../../../shared/connectors/custom/auth';
import { loadDefinitionFile } from '../../../shared/connectors/custom/definition/load';
import { type Definition, normalizeDefinition } from '../../../shared/connectors/custom/definition/schema';
import { probeConnection } from '../../../shared/connectors/custom/probe';
import { readResource } from '../../../shared/connectors/custom/reader';
import { contactPlan, contactRowFor, eventBodyFor } from '../../../shared/connectors/custom/records';
import { verifyDelivery } from '../../../shared/connectors/custom/signature';
import { deliveryId, matchWebhook, webhookPayload } from '../../../shared/connectors/custom/webhooks';
import { customers, PlatformSim } from './platform-sim';

const KEY = 'acme_test_key';
let acme: Definition;
let sim: PlatformSim;

beforeAll(async () => {
  acme = await loadDefinitionFile(join(__dirname, '../../fixtures/definitions/acmeshop.yaml'));
});
afterEach(async () => sim?.stop());

async function collect(resource: string, settings: Record<string, string>, definition = acme) {
  const records = [];
  for await (const page of readResource({ definition, resource, settings, retry: { baseDelayMs: 20 } }))
    records.push(...page.records);
  return records;
}

describe('acmeshop, from its definition only', () => {
  it('checks a connection: the api key it needs, a base URL override', () => {
    expect(connectionIssues(acme, {})).toEqual([
      { key: 'api_key', message: 'required by auth api_key (header X-Api-Key)' },
    ]);
    expect(resolveBaseUrl(acme, { api_key: 'k' })).toBe('https://api.acmeshop.example');
    expect(resolveBaseUrl(acme, { api_key: 'k', base_url: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9');
  });

  it('reads customers into contact rows with the docs-style field_mapping, one bad record as data', async () => {
    const records = customers(60);
    (records[10]?.contact as Record<string, unknown>).email = null;
    sim = new PlatformSim({ pagination: 'cursor-next', records, apiKey: KEY, maxPageSize: 25 });
    await sim.start();
    const mapped = await collect('customers', { api_key: KEY, base_url: sim.baseUrl });
    expect(mapped.length).toBe(60);
    expect(sim.log.count({ route: 'GET /api/customers', status: 200 })).toBe(3);
    const { plan, issues } = contactPlan(acme.resources.customers?.mapping ?? {}, {
      email: 'email',
      firstName: 'FIRSTNAME',
      totalSpent: 'TOTAL_SPENT',
    });
    expect(issues).toEqual([]);
    const results = mapped.map((m) => contactRowFor(m, plan));
    expect(results.filter((r) => r.ok).length).toBe(59);
    expect(results[10]).toEqual({
      ok: false,
      errors: [{ pageId: 'c0011', property: 'email', reason: 'customers[id=c0011]: no email' }],
    });
    expect(results[0]).toMatchObject({
      ok: true,
      row: { identifier: 'person1@example.com', attributes: { FIRSTNAME: 'First1', TOTAL_SPENT: 10.5 } },
    });
  });

  it('reads a to: events resource into Brevo event bodies named by the definition', async () => {
    sim = new PlatformSim({ pagination: 'cursor-next', records: customers(3), apiKey: KEY });
    await sim.start();
    const mapped = await collect('purchases', { api_key: KEY, base_url: sim.baseUrl });
    expect(eventBodyFor(mapped[0]!, acme.resources.purchases?.event ?? 'purchases')).toEqual({
      ok: true,
      event: {
        event_name: 'customer_seen',
        identifiers: { email_id: 'person1@example.com' },
        event_properties: { total_spent: 10.5, created_at: '2026-01-01T00:00:00.000Z' },
        event_date: '2026-01-01T00:00:00.000Z',
      },
    });
  });
});

describe('acmeshop connection test', () => {
  it('checks the settings, each resource and the webhook secret, one line each', async () => {
    sim = new PlatformSim({ pagination: 'cursor-next', records: customers(3), apiKey: KEY });
    await sim.start();
    expect(await probeConnection({ definition: acme, settings: { api_key: KEY, base_url: sim.baseUrl } })).toEqual([
      { name: 'connection', ok: true, detail: 'Acme Shop: settings complete' },
      { name: 'customers', ok: true, detail: '/api/customers answered (3 on the first page)' },
      { name: 'purchases', ok: true, detail: '/api/customers answered (3 on the first page)' },
      { name: 'webhooks', ok: false, detail: 'set connectors.acmeshop.webhook_secret to verify deliveries' },
    ]);
    const wrong = await probeConnection({
      definition: acme,
      settings: { api_key: 'wrong', base_url: sim.baseUrl, webhook_secret: 's' },
      resources: ['customers'],
    });
    expect(wrong).toEqual([
      { name: 'connection', ok: true, detail: 'Acme Shop: settings complete' },
      {
        name: 'customers',
        ok: false,
        detail: 'Acme Shop answered 401 to GET /api/customers: check connectors.acmeshop.api_key',
      },
      { name: 'webhooks', ok: true, detail: 'deliveries verified by X-Acme-Signature (sha256)' },
    ]);
    expect((await probeConnection({ definition: acme, settings: {}, resources: ['customers'] }))[1]).toEqual({
      name: 'customers',
      ok: false,
      skipped: true,
      detail: 'not tried: fix the settings first',
    });
  });
});

describe('acmeshop webhooks', () => {
  const secret = 'acme_webhook_secret';
  const now = Date.parse('2026-02-01T10:00:00Z');
  const sign = (raw: string, ts: number) => ({
    'x-acme-signature': `sha256=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`,
    'x-acme-timestamp': String(ts),
  });

  it('an order: verified, matched by path, mapped to an event, deduped by its delivery header', () => {
    const raw = JSON.stringify({ id: 'o-9', total: 42, customer: { email: 'buyer@example.com' } });
    const headers = { ...sign(raw, now / 1000), 'x-acme-delivery': 'dlv-1' };
    expect(verifyDelivery({ definition: acme, headers, rawBody: raw, secret, nowMs: now })).toEqual({ ok: true });
    const match = matchWebhook(acme, 'webhooks/order', headers, JSON.parse(raw));
    if (!match.ok) throw new Error(match.reason);
    expect(match.key).toBe('order_placed');
    expect(webhookPayload(match.key, match.webhook, JSON.parse(raw))).toMatchObject({
      to: 'event',
      event: {
        ok: true,
        event: {
          event_name: 'order_placed',
          identifiers: { email_id: 'buyer@example.com' },
          event_properties: { amount: 42, order_id: 'o-9' },
        },
      },
    });
    expect(deliveryId(acme, headers, raw)).toBe('dlv-1');
    const { 'x-acme-delivery': _, ...withoutId } = headers;
    expect(deliveryId(acme, withoutId, raw)).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    // delivery_id_field (Stripe's event id): a retry whose body differs elsewhere is the same delivery.
    const byField = {
      ...acme,
      signature: { ...acme.signature!, delivery_id_header: undefined, delivery_id_field: 'id' },
    };
    const retried = JSON.stringify({ ...JSON.parse(raw), pending_webhooks: 2 });
    expect(deliveryId(byField, withoutId, raw, JSON.parse(raw))).toBe('field:o-9');
    expect(deliveryId(byField, withoutId, retried, JSON.parse(retried))).toBe('field:o-9');
    // Without the field in the body, the raw body identifies it.
    expect(deliveryId(byField, withoutId, '{}', {})).toBe(`sha256:${createHash('sha256').update('{}').digest('hex')}`);
  });

  it('one path, told apart by a header and by a body field; the short form maps the scalars', () => {
    const updated = { contact: { email: 'a@example.com', first_name: 'A' } };
    const byHeader = matchWebhook(acme, '/webhooks/events/', { 'X-Acme-Topic': 'customer/updated' }, updated);
    expect(byHeader.ok && byHeader.key).toBe('customer_updated');
    if (!byHeader.ok) throw new Error(byHeader.reason);
    const contact = webhookPayload(byHeader.key, byHeader.webhook, updated);
    expect(contact).toMatchObject({ to: 'contact', record: { fields: { email: 'a@example.com', first_name: 'A' } } });

    const refund = { type: 'refund.issued', data: { email: 'r@example.com', amount: 5 } };
    const byField = matchWebhook(acme, '/webhooks/events', {}, refund);
    expect(byField.ok && byField.key).toBe('refund_issued');
    expect(matchWebhook(acme, '/webhooks/events', {}, { type: 'other' })).toEqual({
      ok: false,
      status: 404,
      // What the delivery said, by each header or field the webhooks there are told apart by, and what they read.
      reason:
        'no webhook of acmeshop at /webhooks/events reads this delivery: X-Acme-Topic: (none) (reads customer/updated); type: other (reads refund.issued)',
    });
    expect(matchWebhook(acme, '/nope', {}, {})).toMatchObject({ ok: false, status: 404 });

    const created = matchWebhook(acme, '/webhooks/customer', {}, {});
    if (!created.ok) throw new Error(created.reason);
    const short = webhookPayload(created.key, created.webhook, {
      id: 'c1',
      customer: { email: 'S@example.com' },
      plan: 'gold',
      nested: { x: 1 },
    });
    expect(short).toMatchObject({
      to: 'event',
      event: {
        ok: true,
        event: {
          event_name: 'customer_created',
          identifiers: { email_id: 's@example.com' },
          event_properties: { id: 'c1', plan: 'gold' },
        },
      },
    });
  });
});

describe('oauth2', () => {
  it('a 401 refreshes once at tokenUrl with the refresh token and the read goes on; the new tokens are handed back', async () => {
    const oauth = { access: 'access-0', refresh: 'refresh-0', clientId: 'cid', clientSecret: 'csecret' };
    sim = new PlatformSim({ pagination: 'cursor-next', records: customers(12), apiKey: '', oauth });
    await sim.start();
    const definition = normalizeDefinition({
      name: 'oauthy',
      version: '1',
      auth: {
        type: 'oauth2',
        authorizationUrl: `${sim.baseUrl}/oauth/authorize`,
        tokenUrl: `${sim.baseUrl}/oauth/token`,
      },
      resources: {
        customers: {
          endpoint: '/api/customers',
          items: 'data',
          pagination: { type: 'cursor', param: 'cursor', next: 'meta.next_cursor' },
          mapping: { email: 'email' },
        },
      },
    });
    oauth.access = 'rotated-by-the-platform';
    const stored: unknown[] = [];
    const settings = {
      base_url: sim.baseUrl,
      access_token: 'access-0',
      refresh_token: 'refresh-0',
      client_id: 'cid',
      client_secret: 'csecret',
    };
    const ids = [];
    for await (const page of readResource({
      definition,
      resource: 'customers',
      settings,
      onTokens: (t) => void stored.push(t),
    }))
      ids.push(...page.records.map((r) => r.id));
    expect(ids.length).toBe(12);
    expect(sim.refreshes).toBe(1);
    expect(stored).toEqual([{ access_token: 'access-1', refresh_token: 'refresh-1', expires_in: 3600 }]);

    // A refused refresh (a revoked grant) is said once, with what to do: install again.
    const revoked = { ...settings, access_token: 'stale', refresh_token: 'revoked' };
    await expect(collect('customers', revoked, definition)).rejects.toThrow(
      'oauthy refused the refresh token (invalid_grant): install it again: tajo connectors install oauthy',
    );
    // Without a refresh token there is nothing to refresh: the 401 names the key to check.
    const bare = { base_url: sim.baseUrl, access_token: 'stale' };
    await expect(collect('customers', bare, definition)).rejects.toThrow(
      'oauthy answered 401 to GET /api/customers: check connectors.oauthy.access_token',
    );
    expect(sim.refreshes).toBe(1);
  });
});
