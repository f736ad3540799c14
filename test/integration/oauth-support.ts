/**
 * What the OAuth integration tests share: the table on dynalite, Secrets Manager as the AWS adapter
 * against the recorded-protocol fake (so a "second Lambda" is a second adapter with its own cache),
 * a tenant with its API key, the connection function's dependencies, and a scan of the whole table
 * for strings that must never be stored there.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerStore } from '../../shared/adapters/aws/secrets-manager';
import type { DynamoRepositories } from '../../shared/adapters/dynamodb';
import type { OAuthApps } from '../../shared/app/oauth-apps';
import type { OAuthEndpoints } from '../../shared/app/oauth-install-steps';
import { type ConnectionRequest, type HttpAnswer, handleConnectionRequest } from '../../shared/app/oauth-routes';
import { notionAppCredentials } from '../../shared/connectors/notion/app';
import { slackAppCredentials } from '../../shared/connectors/slack/app';
import type { Clock, ScheduleManager } from '../../shared/core/ports';
import { hashApiKey, newApiKey } from '../../shared/core/tenancy/tenants';
import { FakeSecretsManager } from '../adapters/fake-secrets-manager';
import { freshStore } from '../support/stores';

export const PUBLIC_HOST = 'tajo.example.test';
export const NOTION_CALLBACK = `https://${PUBLIC_HOST}/oauth/notion/callback`;
export const SLACK_CALLBACK = `https://${PUBLIC_HOST}/oauth/slack/callback`;
export const START_ROUTE = 'POST /tenants/{tenantId}/connections/{connector}/oauth';

/** A clock the test moves; sleeps are real (refreshers wait for each other over real I/O). */
export class TestClock implements Clock {
  constructor(public t = Date.now()) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }
}

export class RecordingSchedules implements ScheduleManager {
  readonly ensured: { schedule: string; name: string; input: unknown }[] = [];
  readonly removed: string[] = [];
  async ensure(schedule: string, name: string, input: unknown): Promise<void> {
    this.ensured.push({ schedule, name, input });
  }
  async remove(_schedule: string, name: string): Promise<void> {
    this.removed.push(name);
  }
}

export interface OAuthWorld {
  store: DynamoRepositories;
  table: string;
  scanTable(): Promise<string>;
  sm: FakeSecretsManager;
  /** One Lambda's secret store (its own cache); `secretsFor()` makes another Lambda's. */
  secrets: SecretsManagerStore;
  secretsFor(): SecretsManagerStore;
  clock: TestClock;
  schedules: RecordingSchedules;
  apps: OAuthApps;
  /** Replaces an app secret's value (e.g. a wrong client secret). */
  setApp(which: 'notion-app' | 'slack-app', value: Record<string, unknown>): Promise<void>;
  tenantKey(tenantId: string): Promise<string>;
  request(req: Partial<ConnectionRequest> & { routeKey: string }, endpoints: OAuthEndpoints): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

export async function oauthWorld(apps: {
  notion?: Record<string, unknown>;
  slack?: Record<string, unknown>;
}): Promise<OAuthWorld> {
  const { store, client, table } = await freshStore();
  const sm = new FakeSecretsManager();
  const endpoint = await sm.start();
  const smClients: SecretsManagerClient[] = [];
  const secretsFor = () => {
    const c = new SecretsManagerClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    smClients.push(c);
    return new SecretsManagerStore(c, {
      prefix: 'tajo/test/',
      kmsKeyId: 'arn:aws:kms:us-east-1:000000000000:key/test',
    });
  };
  const secrets = secretsFor();
  const clock = new TestClock();
  const refs: Record<string, string | undefined> = {};
  if (apps.notion) refs.notion = await secrets.put('notion-app', JSON.stringify(apps.notion), {});
  if (apps.slack) refs.slack = await secrets.put('slack-app', JSON.stringify(apps.slack), {});
  // No caching: a test that changes an app secret sees it at once.
  const appSources: OAuthApps = {
    notion: notionAppCredentials({ secrets, clock }, refs.notion, 0),
    slack: slackAppCredentials({ secrets, clock }, refs.slack, 0),
  };
  const schedules = new RecordingSchedules();
  const world: OAuthWorld = {
    store,
    table,
    async scanTable() {
      const items: unknown[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const res = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start as never }));
        items.push(...(res.Items ?? []));
        start = res.LastEvaluatedKey;
      } while (start);
      return JSON.stringify(items);
    },
    sm,
    secrets,
    secretsFor,
    clock,
    schedules,
    apps: appSources,
    async setApp(which, value) {
      await secrets.put(which, JSON.stringify(value), {});
    },
    async tenantKey(tenantId) {
      const key = newApiKey();
      await store.putTenant({ tenantId, apiKeyHash: hashApiKey(key), createdAt: new Date(clock.now()).toISOString() });
      return key;
    },
    request(req, endpoints) {
      return handleConnectionRequest(
        {
          tenants: store,
          states: store,
          connections: store,
          teams: store,
          secrets,
          schedules,
          clock,
          apps: appSources,
          endpoints,
        },
        {
          pathParameters: {},
          query: {},
          ...req,
          headers: { host: PUBLIC_HOST, 'x-forwarded-proto': 'https', ...req.headers },
        },
      );
    },
    async stop() {
      for (const c of smClients) c.destroy();
      await sm.stop();
    },
  };
  return world;
}

/** The query of the provider's redirect back to the callback (what the admin's browser follows). */
export async function followConsent(authorizeUrl: string): Promise<{ location: URL; query: Record<string, string> }> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`consent answered ${res.status}: ${await res.text()}`);
  const url = new URL(location);
  return { location: url, query: Object.fromEntries(url.searchParams) };
}
