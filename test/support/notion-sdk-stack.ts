/**
 * The stack the SDK's Notion tests run on: the Notion and Brevo simulators (sandbox seed), the
 * management API's deps over dynalite and file secrets, and a tenant connected through the API
 * (its Brevo key, then the sandbox config's Notion section with the test's changes on top).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrevoSimulator } from '../../sandbox/brevo';
import { NotionSimulator } from '../../sandbox/notion';
import { sandboxConfigYaml, seedSandbox } from '../../sandbox/sandbox';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import { LocalDocumentStore } from '../../shared/adapters/local/document-store';
import { FileSecretStore } from '../../shared/adapters/local/file-secrets';
import { handleApiRequest } from '../../shared/app/api';
import { parseConfig } from '../../shared/app/config';
import type { NotionConnectorConfig } from '../../shared/connectors/notion/config-schema';
import { handleNotionLaneMessage } from '../../shared/connectors/notion/lane';
import type { ApiDeps, ApiResponse } from '../../shared/core/http/api-types';
import type { LaneMessage, LaneQueue } from '../../shared/core/ports';
import { createTenant } from '../../shared/core/tenancy/tenants';
import { apiDepsOver, freshStore } from './stores';
import { VirtualClock } from './virtual-clock';

export interface NotionSdkStack {
  notion: NotionSimulator;
  brevo: BrevoSimulator;
  store: DynamoRepositories;
  deps: ApiDeps;
  clock: VirtualClock;
  /** The simulators' credentials (a test that connects by hand: the docs' token-only connect). */
  notionToken: string;
  brevoKey: string;
  /** A tenant with its Brevo key and a Notion connection (the sandbox section, `over` on top). */
  connected(over?: (section: NotionConnectorConfig) => Record<string, unknown>): Promise<Tenant>;
  /** A management API call as API Gateway hands it over (connector `notion` in the path). */
  api(method: string, path: string, tenant: Tenant, body?: unknown): Promise<ApiResponse>;
  stop(): Promise<void>;
}

type Tenant = { tenantId: string; apiKey: string };

export async function startNotionSdkStack(opts: {
  rows: number;
  lane: LaneQueue;
  /** Notion's per-query row cap (the simulator's default: 10,000). */
  queryCap?: number;
}): Promise<NotionSdkStack> {
  const notionToken = `ntn_${randomUUID().replace(/-/g, '')}`;
  const brevoKey = `xkeysib-${randomUUID()}`;
  const notion = new NotionSimulator({ tokens: [notionToken], rateLimit: false, queryCap: opts.queryCap });
  const brevo = new BrevoSimulator({ apiKeys: [brevoKey], limits: false, importProcessingMs: 0 });
  await Promise.all([notion.start(), brevo.start()]);
  seedSandbox(notion, brevo, { rows: opts.rows });
  const { store } = await freshStore();
  const dir = mkdtempSync(join(tmpdir(), 'tajo-notion-sdk-'));
  const clock = new VirtualClock();
  const deps: ApiDeps = apiDepsOver(store, {
    secrets: new FileSecretStore(join(dir, 'secrets')),
    schedules: { ensure: async () => undefined, remove: async () => undefined },
    lane: opts.lane,
    clock,
    endpoints: { notionBaseUrl: notion.baseUrl, brevoBaseUrl: brevo.baseUrl },
    documents: new LocalDocumentStore(join(dir, 'documents')),
  });
  const api = (method: string, path: string, tenant: Tenant, body?: unknown) =>
    handleApiRequest(deps, {
      routeKey: `${method} ${path}`,
      pathParameters: { tenantId: tenant.tenantId, connector: 'notion' },
      headers: { authorization: `Bearer ${tenant.apiKey}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const section = parseConfig(sandboxConfigYaml(), { NOTION_TOKEN: notionToken, BREVO_API_KEY: brevoKey }).connectors
    .notion;
  if (!section) throw new Error('the sandbox config has no Notion section');
  return {
    notion,
    brevo,
    store,
    deps,
    clock,
    api,
    notionToken,
    brevoKey,
    async connected(over = () => ({})) {
      const t = await createTenant({ tenants: store, clock }, `t-${randomUUID().slice(0, 8)}`);
      const key = await api('PUT', '/tenants/{tenantId}/brevo', t, { apiKey: brevoKey });
      if (key.status !== 200) throw new Error(`Brevo key refused: ${JSON.stringify(key.body)}`);
      const conn = await api('PUT', '/tenants/{tenantId}/connections/{connector}', t, { ...section, ...over(section) });
      if (conn.status !== 200) throw new Error(`Notion connection refused: ${JSON.stringify(conn.body)}`);
      return t;
    },
    async stop() {
      await Promise.all([notion.stop(), brevo.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A lane that keeps what is sent, for a test to play message by message (drainLane). */
export class RecordingLane implements LaneQueue {
  readonly sent: LaneMessage[] = [];
  async send(_queue: 'notionLane', messages: LaneMessage[]): Promise<void> {
    this.sent.push(...messages);
  }
}

/**
 * Plays the lane through the Notion worker until it is empty (follow-ups included); with
 * `cutFirstStep` the first step gets no time, so a run that has rows goes on in a continuation.
 * Returns the bodies played, in order.
 */
export async function drainLane(
  stack: Pick<NotionSdkStack, 'deps' | 'clock' | 'store'>,
  lane: RecordingLane,
  /** `publishing`: the worker has the publish state store (publish rules watch the rows read). */
  opts: { cutFirstStep?: boolean; publishing?: boolean } = {},
): Promise<{ type: string; scope?: unknown }[]> {
  const played: { type: string; scope?: unknown }[] = [];
  while (lane.sent.length > 0) {
    const message = lane.sent.shift() as LaneMessage;
    played.push(JSON.parse(message.body));
    const cut = opts.cutFirstStep === true && played.length === 1;
    await handleNotionLaneMessage(
      {
        ...stack.deps,
        ...(opts.publishing ? { publications: stack.store } : {}),
        syncOptions: { flushRows: 100, importFirstPollMs: 10, stepReserveMs: 0 },
      },
      message.body,
      { deadline: cut ? stack.clock.now() + 1 : Date.now() + 60_000, lastAttempt: false, groupId: message.groupId },
    );
  }
  return played;
}
