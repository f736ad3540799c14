/**
 * A definition-backed connection as connect stores it (the plan: its normalized definition in
 * `settings.definition`, its webhook signing secret in the secret store under `signingSecretRef`),
 * written straight to the store: the webhook tests do not depend on connect.
 */
import { join } from 'node:path';
import { loadDefinitionFile } from '../../shared/connectors/custom/definition/load';
import type { Definition } from '../../shared/connectors/custom/definition/schema';
import type { ConnectionRecord, ConnectionStore, SecretStore } from '../../shared/core/ports';

const CATALOGUE = join(__dirname, '..', '..', 'shared', 'connectors', 'catalogue');

export function catalogueDefinition(name: 'shopify' | 'stripe'): Promise<Definition> {
  return loadDefinitionFile(join(CATALOGUE, `${name}.yaml`));
}

export async function putDefinitionConnection(
  deps: { connections: ConnectionStore; secrets: SecretStore },
  args: {
    tenantId: string;
    definition: Definition;
    /** The platform's signing secret; absent: the connection has none stored. */
    webhookSecret?: string;
    brevoApiKeyRef: string;
    settings?: Record<string, unknown>;
  },
): Promise<ConnectionRecord<string>> {
  const now = new Date().toISOString();
  const name = args.definition.name;
  const record: ConnectionRecord<string> = {
    tenantId: args.tenantId,
    connector: name,
    settings: { enabled: true, ...args.settings, definition: JSON.parse(JSON.stringify(args.definition)) },
    tokenRef: await deps.secrets.put(`${args.tenantId}/${name}-token`, 'platform-token-unused-here', {}),
    ...(args.webhookSecret === undefined
      ? {}
      : {
          signingSecretRef: await deps.secrets.put(`${args.tenantId}/${name}-webhook-secret`, args.webhookSecret, {}),
        }),
    brevoApiKeyRef: args.brevoApiKeyRef,
    integrationKey: `${name}-${args.tenantId}`,
    createdAt: now,
    updatedAt: now,
  };
  await deps.connections.putConnection(record);
  return record;
}
