/**
 * The checks of a stored connection (POST .../connections/{connector}/test, and the CLI without a
 * config): its tokens are read from the secret store and the connector's checks run with them.
 */

import { testNotionConnection } from '../connectors/notion/connection-test';
import { testSlackConnection } from '../connectors/slack/connection-test';
import { brevoClientFor } from '../core/brevo/client';
import type { CheckResult } from '../core/connection-check';
import { RequestRefusedError } from '../core/errors';
import type { Clock, ConnectionStore, ConnectorName, SecretStore } from '../core/ports';
import { readAccessToken } from '../core/tenancy/oauth-tokens';

export interface ConnectionTestResult {
  tenantId: string;
  connector: ConnectorName;
  /** Every check passed (or was skipped with nothing wrong). */
  ok: boolean;
  checks: CheckResult[];
}

export async function testStoredConnection(
  deps: {
    connections: ConnectionStore;
    secrets: SecretStore;
    clock: Clock;
    endpoints: { notionBaseUrl?: string; brevoBaseUrl?: string; slackApiUrl?: string };
  },
  tenantId: string,
  connector: ConnectorName,
  options: {
    /** Notion: allow the page-creation check (a row created, then trashed). */
    createPage?: boolean;
    /** Slack: the deployment's events URL for this tenant, to check with a signed url_verification. */
    eventsUrl?: string;
  } = {},
): Promise<ConnectionTestResult> {
  const checks = await testOf[connector](deps, tenantId, options);
  return { tenantId, connector, ok: checks.every((c) => c.ok), checks };
}

type TestDeps = Parameters<typeof testStoredConnection>[0];
type TestOptions = NonNullable<Parameters<typeof testStoredConnection>[3]>;

/** Each connector's checks of its stored connection. */
const testOf: {
  [C in ConnectorName]: (deps: TestDeps, tenantId: string, options: TestOptions) => Promise<CheckResult[]>;
} = {
  notion: async (deps, tenantId, options) => {
    const conn = await deps.connections.getConnection(tenantId, 'notion');
    if (!conn) throw new RequestRefusedError(404, 'no Notion connection to test', 'not_found');
    return testNotionConnection({
      // An OAuth connection's secret is its grant: the access token is read out of it.
      token: await readAccessToken(deps, conn),
      settings: conn.settings,
      baseUrl: deps.endpoints.notionBaseUrl,
      clock: deps.clock,
      createPage: options.createPage === true,
      auth: conn.oauth ? 'oauth' : 'token',
      // The Brevo key the connection writes with: the mapping is checked against its attributes.
      brevo: brevoClientFor({
        apiKey: await deps.secrets.get(conn.brevoApiKeyRef),
        baseUrl: deps.endpoints.brevoBaseUrl,
        clock: deps.clock,
      }),
    });
  },
  slack: async (deps, tenantId, options) => {
    const conn = await deps.connections.getConnection(tenantId, 'slack');
    if (!conn) throw new RequestRefusedError(404, 'no Slack connection to test', 'not_found');
    return testSlackConnection({
      token: await readAccessToken(deps, conn),
      apiUrl: deps.endpoints.slackApiUrl,
      channels: conn.settings.channels,
      eventsUrl: options.eventsUrl,
      signingSecret: conn.signingSecretRef ? await deps.secrets.get(conn.signingSecretRef) : undefined,
      now: deps.clock.now(),
    });
  },
};
