/**
 * Notion webhook delivery as the simulator plays it: the unsigned verification handshake, signed
 * events (checked with the SDK's own verifier), retries with attempt_number, and events emitted by
 * page writes made through the simulated API.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, verifyWebhookSignature } from '@notionhq/client';
import { SimClock } from '../../sandbox/http-kit';
import {
  MAX_WEBHOOK_ATTEMPTS,
  NotionSimulator,
  NotionWebhookSender,
  sendEvent,
  sendVerification,
  signWebhookBody,
} from '../../sandbox/notion';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  json: Record<string, unknown>;
}

/** A receiver on 127.0.0.1 that records raw bodies and answers with the scripted statuses (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      got.push({ headers: req.headers, raw, json: JSON.parse(raw) });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/notion/t1`, got, server };
}

const servers: Server[] = [];
const sims: NotionSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

async function startReceiver(statuses: number[] = []) {
  const r = await receiver(statuses);
  servers.push(r.server);
  return r;
}

const EVENT = {
  type: 'page.properties_updated',
  entity: { id: '153104cd-477e-809d-8dc4-ff2d96ae3090', type: 'page' as const },
  data: {
    parent: {
      id: '13950b26-c203-4f3b-b97d-93ec06319565',
      type: 'database',
      data_source_id: '1a2b3c4d-0000-4000-8000-000000000001',
    },
    updated_properties: ['XGe%40', 'title'],
  },
  authors: [{ id: 'c7c11cca-1d73-471d-9b6e-bdef51470190', type: 'person' as const }],
};

describe('Notion webhooks: handshake and signatures', () => {
  test('the verification request is unsigned and carries only the token', async () => {
    const r = await startReceiver();
    const { verificationToken, status } = await sendVerification(r.url);
    expect(status).toBe(200);
    expect(verificationToken).toMatch(/^secret_/);
    expect(r.got).toHaveLength(1);
    expect(r.got[0]!.json).toEqual({ verification_token: verificationToken });
    expect(r.got[0]!.headers['x-notion-signature']).toBeUndefined();
  });

  test('an event carries the common payload and a signature that verifies with the token only', async () => {
    const r = await startReceiver();
    const token = 'secret_verification_token_1';
    const result = await sendEvent(r.url, EVENT, { verificationToken: token, apiVersion: '2025-09-03' });
    expect(result.delivered).toBe(true);
    const [got] = r.got;
    expect(got!.json).toMatchObject({
      id: expect.any(String),
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      workspace_id: expect.any(String),
      workspace_name: 'Sandbox',
      subscription_id: expect.any(String),
      integration_id: expect.any(String),
      authors: EVENT.authors,
      attempt_number: 1,
      api_version: '2025-09-03',
      type: 'page.properties_updated',
      entity: EVENT.entity,
      data: EVENT.data,
    });
    const signature = got!.headers['x-notion-signature'] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signature).toBe(signWebhookBody(got!.raw, token));
    await expect(verifyWebhookSignature({ body: got!.raw, signature, verificationToken: token })).resolves.toBe(true);
    await expect(
      verifyWebhookSignature({ body: got!.raw, signature, verificationToken: 'secret_someone_else' }),
    ).resolves.toBe(false);
    // Re-serialised JSON is not the signed body.
    const reserialised = JSON.stringify(got!.json, null, 2);
    await expect(verifyWebhookSignature({ body: reserialised, signature, verificationToken: token })).resolves.toBe(
      false,
    );
  });
});

describe('Notion webhooks: retries', () => {
  test('off by default: one attempt, even when the receiver fails', async () => {
    const r = await startReceiver([500]);
    const result = await sendEvent(r.url, EVENT, { verificationToken: 'secret_x' });
    expect(result.delivered).toBe(false);
    expect(r.got).toHaveLength(1);
  });

  test('when enabled, non-2xx answers are retried with the next attempt_number, each attempt signed', async () => {
    const r = await startReceiver([500, 429, 200]);
    const sender = new NotionWebhookSender({ verificationToken: 'secret_retry', retries: { delayMs: 1 } });
    const result = await sender.sendEvent(r.url, EVENT);
    expect(result.delivered).toBe(true);
    expect(result.attempts.map((a) => a.status)).toEqual([500, 429, 200]);
    expect(r.got.map((g) => g.json.attempt_number)).toEqual([1, 2, 3]);
    expect(new Set(r.got.map((g) => g.json.id)).size).toBe(1); // same event id for dedupe
    for (const g of r.got) {
      const signature = g.headers['x-notion-signature'] as string;
      await expect(verifyWebhookSignature({ body: g.raw, signature, verificationToken: 'secret_retry' })).resolves.toBe(
        true,
      );
    }
  });

  test('gives up after 8 attempts; an unreachable receiver counts as a failed attempt', async () => {
    const r = await startReceiver(Array(20).fill(503));
    const sender = new NotionWebhookSender({ retries: {} });
    const result = await sender.sendEvent(r.url, EVENT);
    expect(result.delivered).toBe(false);
    expect(r.got.map((g) => g.json.attempt_number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(MAX_WEBHOOK_ATTEMPTS).toBe(8);
    expect(() => new NotionWebhookSender({ retries: { maxAttempts: 9 } })).toThrow(/1-8/);

    const dead = await new NotionWebhookSender({ retries: { maxAttempts: 2 } }).sendEvent(
      'http://127.0.0.1:1/x',
      EVENT,
    );
    expect(dead.attempts.map((a) => a.status)).toEqual([0, 0]);
  });
});

describe('Notion webhooks: events from API writes', () => {
  test('off by default; once subscribed, page writes emit signed events naming the bot as author', async () => {
    const clock = new SimClock();
    clock.set(Date.parse('2026-11-22T10:00:00.000Z'));
    const sim = new NotionSimulator({ rateLimit: false, clock });
    await sim.start();
    sims.push(sim);
    const r = await startReceiver();
    const ds = sim.addDatabase({
      title: 'Leads',
      properties: { Name: { type: 'title' }, Email: { type: 'email' }, Status: { type: 'status' } },
    }).dataSources[0]!;
    const client = new Client({ auth: 'secret_sandbox', baseUrl: sim.baseUrl, retry: false, logger: () => {} });
    await client.pages.create({ parent: { data_source_id: ds.id }, properties: {} });
    await sim.flushWebhooks();
    expect(r.got).toHaveLength(0);

    const sender = sim.subscribeWebhooks({ url: r.url, verificationToken: 'secret_sub' });
    const page = await client.pages.create({
      parent: { data_source_id: ds.id },
      properties: { Name: { title: [{ text: { content: 'Ada' } }] } },
    });
    await client.pages.update({ page_id: page.id, properties: { Email: { email: 'ada@example.com' } } });
    await client.blocks.children.append({
      block_id: page.id,
      children: [{ paragraph: { rich_text: [{ text: { content: 'Note' } }] } }],
    });
    await client.pages.update({ page_id: page.id, in_trash: true });
    await sim.flushWebhooks();

    expect(r.got.map((g) => g.json.type)).toEqual([
      'page.created',
      'page.properties_updated',
      'page.content_updated',
      'page.deleted',
    ]);
    const [created, props, content] = r.got.map((g) => g.json);
    expect(created).toMatchObject({
      entity: { id: page.id, type: 'page' },
      workspace_id: sim.workspaceId,
      subscription_id: sender.subscriptionId,
      authors: [{ id: sim.botUser.id, type: 'bot' }],
      attempt_number: 1,
      api_version: '2025-09-03',
      timestamp: '2026-11-22T10:00:00.000Z',
      data: { parent: { id: ds.databaseId, type: 'database', data_source_id: ds.id } },
    });
    expect(props!.data).toMatchObject({ updated_properties: [ds.properties.Email!.id] });
    expect((content!.data as { updated_blocks: unknown[] }).updated_blocks).toEqual([
      { id: expect.any(String), type: 'block' },
    ]);
    for (const g of r.got) {
      const signature = g.headers['x-notion-signature'] as string;
      await expect(verifyWebhookSignature({ body: g.raw, signature, verificationToken: 'secret_sub' })).resolves.toBe(
        true,
      );
    }

    // An event filter limits what is sent.
    sim.subscribeWebhooks({ url: r.url, verificationToken: 'secret_sub', events: ['page.undeleted'] });
    await client.pages.update({ page_id: page.id, in_trash: false });
    await client.pages.update({ page_id: page.id, properties: { Email: { email: 'x@example.com' } } });
    await sim.flushWebhooks();
    expect(r.got.slice(4).map((g) => g.json.type)).toEqual(['page.undeleted']);
  });
});
