/**
 * A definition-backed connection as connect stores it (shared/connectors/custom/connection.ts: its
 * normalized definition and settings in the record, its secrets as one JSON value at `tokenRef`, the
 * signing secret under the key its definition's signature names), written straight to the store:
 * the webhook tests do not depend on connect.
 */
import { join } from 'node:path';
import type { LocalStack } from '../../local/stack';
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
  const secretKey = args.definition.signature?.secret ?? 'webhook_secret';
  const record: ConnectionRecord<string> = {
    tenantId: args.tenantId,
    connector: name,
    settings: {
      enabled: true,
      mode: 'hybrid',
      params: {},
      ...args.settings,
      definition: JSON.parse(JSON.stringify(args.definition)),
    },
    tokenRef: await deps.secrets.put(
      `${args.tenantId}/${name}-token`,
      JSON.stringify(args.webhookSecret === undefined ? {} : { [secretKey]: args.webhookSecret }),
      {},
    ),
    brevoApiKeyRef: args.brevoApiKeyRef,
    integrationKey: `${name}-${args.tenantId}`,
    createdAt: now,
    updatedAt: now,
  };
  await deps.connections.putConnection(record);
  return record;
}

/**
 * The local stack's default tenant connects Shopify (the catalogue's definition) with `appSecret`
 * as its app secret, writing to the Brevo account its Notion connection writes to.
 */
export async function connectShopifyOnStack(
  stack: Pick<LocalStack, 'tenantId' | 'dynamo' | 'secrets'>,
  appSecret: string,
  settings?: Record<string, unknown>,
): Promise<ConnectionRecord<string>> {
  const notion = await stack.dynamo.store.getConnection(stack.tenantId, 'notion');
  if (!notion) throw new Error('the local stack has no Notion connection (its Brevo key is borrowed from it)');
  return putDefinitionConnection(
    { connections: stack.dynamo.store, secrets: stack.secrets },
    {
      tenantId: stack.tenantId,
      definition: await catalogueDefinition('shopify'),
      webhookSecret: appSecret,
      brevoApiKeyRef: notion.brevoApiKeyRef,
      ...(settings ? { settings } : {}),
    },
  );
}
