/**
 * The checks of a stored connection (POST .../connections/{connector}/test, and the CLI without a
 * config): its secrets are read from the secret store and its connector's test hook runs with them.
 */

import { connectorOf, resolveConnection } from '../connectors';
import { brevoClientFor } from '../core/brevo/client';
import type { CheckResult } from '../core/connection-check';
import type { ProviderEndpoints, TestOptions } from '../core/connector';
import { RequestRefusedError } from '../core/errors';
import type { CallBudgetStore, Clock, ConnectionStore, ConnectorName, SecretStore } from '../core/ports';
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
    /** The tenant's call store: the test's calls share the connection's schedule with its syncs. */
    budgets: CallBudgetStore;
    clock: Clock;
    endpoints: ProviderEndpoints & { brevoBaseUrl?: string };
  },
  tenantId: string,
  connector: ConnectorName,
  options: TestOptions = {},
): Promise<ConnectionTestResult> {
  const { test } = resolveConnection(connector);
  const conn = await deps.connections.getConnection(tenantId, connector);
  if (!conn)
    throw new RequestRefusedError(
      404,
      `no ${connectorOf(connector).label} connection to test: connect it first`,
      'not_connected',
    );
  const checks = await test.run({
    credentials: {
      // An OAuth connection's secret is its grant: the access token is read out of it.
      token: await readAccessToken(deps, conn),
      ...(conn.signingSecretRef ? { signingSecret: await deps.secrets.get(conn.signingSecretRef) } : {}),
    },
    settings: conn.settings,
    auth: conn.oauth ? 'oauth' : 'token',
    // The Brevo key the connection writes with: the mapping is checked against its attributes.
    ...(test.brevo
      ? {
          brevo: brevoClientFor({
            apiKey: await deps.secrets.get(conn.brevoApiKeyRef),
            baseUrl: deps.endpoints.brevoBaseUrl,
            clock: deps.clock,
          }),
        }
      : {}),
    options,
    ports: { clock: deps.clock, endpoints: deps.endpoints },
    schedule: { store: deps.budgets, tenantId, integrationKey: conn.integrationKey },
  });
  return { tenantId, connector, ok: checks.every((c) => c.ok), checks };
}
