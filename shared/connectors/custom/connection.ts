/**
 * What a definition connector's connection keeps. The record's settings hold the normalized
 * definition (data, small: the connection keeps working as it was connected even when the catalogue
 * file or the tenant's definition changes later) and the section's settings without its secrets;
 * the secrets (the auth's credentials, the webhook signing secret) are one JSON object in the secret
 * store, referenced by the record's tokenRef.
 */
import { z } from 'zod';
import type { ProviderEndpoints } from '../../core/connector';
import { platformEndpointKey } from '../../core/env';
import type { ConnectionRecord } from '../../core/ports';
import type { ConnectionSettings } from './auth';
import { credentialNeeds } from './auth';
import { enabledResources } from './config-checks';
import { type Definition, normalizeDefinition } from './definition/schema';
import { type OAuthInstallInfo, oauthInstallSchema } from './oauth';

export const SYNC_MODES = ['realtime', 'batch', 'hybrid'] as const;
export const SCHEDULES = ['hourly', 'daily'] as const;

/** The settings a definition connection's record keeps (no secret among them). */
export const storedSettingsSchema = z.looseObject({
  enabled: z.boolean(),
  /** The normalized definition the connection was made with. */
  definition: z.unknown(),
  /** base_url and the definition's connection parameters (shop_url...): not secret. */
  params: z.record(z.string(), z.string()).default({}),
  sync_to_list: z.union([z.string(), z.number()]).optional(),
  mode: z.enum(SYNC_MODES),
  schedule: z.enum(SCHEDULES).default('hourly'),
  sync: z.record(z.string(), z.boolean()).default({}),
  field_mapping: z.record(z.string(), z.string()).optional(),
  ownApiKeyNames: z.array(z.string()).default([]),
  /** oauth2: the install's facts status shows (no secret); absent until installed. */
  oauth: oauthInstallSchema.optional(),
});

export interface DefinitionConnectionSettings {
  enabled: boolean;
  definition: Definition;
  params: Record<string, string>;
  sync_to_list?: string | number;
  mode: (typeof SYNC_MODES)[number];
  schedule: (typeof SCHEDULES)[number];
  sync: Record<string, boolean>;
  field_mapping?: Record<string, string>;
  ownApiKeyNames: string[];
  oauth?: OAuthInstallInfo;
}

/** The secret store's name of a connection's secrets (the descriptor's `secrets.token`). */
export function credentialsSecretName(tenantId: string, connector: string): string {
  return `${tenantId}/${connector}-credentials`;
}

/** A stored record's settings, checked (a record is read back from the store: a boundary). */
export function settingsOf(
  record: Pick<ConnectionRecord<string>, 'settings' | 'connector'>,
): DefinitionConnectionSettings {
  const parsed = storedSettingsSchema.safeParse(record.settings);
  if (!parsed.success)
    throw new Error(
      `the stored ${record.connector} connection has unreadable settings (${parsed.error.issues[0]?.message}): connect it again`,
    );
  const { definition, ...rest } = parsed.data;
  return {
    ...rest,
    definition: normalizeDefinition(definition, `${record.connector}'s stored definition`),
  };
}

/** Normalized once per stored object: the webhook door reads a cached record on every delivery. */
const normalized = new WeakMap<object, Definition>();

/**
 * The stored definition of a connection, or undefined for a connection that has none (a built-in
 * connector's). A stored definition that no longer validates throws a DefinitionError.
 */
export function storedDefinition(
  record: Pick<ConnectionRecord<string>, 'settings' | 'connector'>,
): Definition | undefined {
  const stored = (record.settings as { definition?: unknown }).definition;
  if (stored === null || typeof stored !== 'object') return undefined;
  const known = normalized.get(stored);
  if (known !== undefined) return known;
  const definition = normalizeDefinition(stored, `${record.connector}'s stored definition`);
  normalized.set(stored, definition);
  return definition;
}

/**
 * The webhook signing secret of a connection, from its secrets (the secret store's value at its
 * tokenRef): the key its definition's signature names (Shopify's api_secret, else webhook_secret).
 */
export function webhookSecretOf(definition: Definition, secretsValue: string, connector: string): string | undefined {
  const secret = secretsOf(secretsValue, connector)[definition.signature?.secret ?? 'webhook_secret'];
  return secret === undefined || secret === '' ? undefined : secret;
}

/** The config keys a connection keeps in the secret store: the auth's credentials and the signing secret. */
export function secretKeys(definition: Definition): string[] {
  const keys = credentialNeeds(definition.auth).map((n) => n.key);
  if (definition.auth.type === 'oauth2') keys.push('refresh_token', 'client_id', 'client_secret');
  if (definition.signature !== undefined) keys.push(definition.signature.secret);
  else if (Object.keys(definition.webhooks).length > 0) keys.push('webhook_secret');
  return [...new Set(keys)];
}

/** The secret store's value of a connection (its tokenRef): the secrets by config key, as JSON. */
export function secretsText(secrets: ConnectionSettings): string {
  const kept = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== undefined));
  return JSON.stringify(kept);
}

const secretsSchema = z.record(z.string(), z.string());

/** The secrets by config key (api_key, api_secret, webhook_secret...) from the secret store's value. */
export function secretsOf(text: string, connector: string): ConnectionSettings {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const parsed = secretsSchema.safeParse(data);
  if (!parsed.success)
    throw new Error(`the stored ${connector} credentials are not readable: connect ${connector} again`);
  return parsed.data;
}

/**
 * The Brevo list a connection's contacts join: its `sync_to_list`, else "<Label> contacts" (created in
 * the Tajo folder when missing). A list is what lets a sync write in bulk (Brevo's import needs one),
 * and it is where a person finds the platform's contacts in Brevo.
 */
export function contactListOf(definition: Definition, syncToList: string | number | undefined): string | number {
  return syncToList ?? `${definition.label} contacts`;
}

/** The resources a run reads: enabled by `sync` and not `to: none` (declared, never read). */
export function readableResources(definition: Definition, sync?: Readonly<Record<string, boolean>>): string[] {
  return enabledResources(definition, sync).filter((r) => definition.resources[r]?.to !== 'none');
}

/**
 * What a request to the platform reads: the connection's parameters and secrets, with the base URL
 * the environment points it at (`SHOPIFY_BASE_URL`: a simulator) unless the connection names its own.
 */
export function requestSettings(
  definition: Definition,
  params: Readonly<Record<string, string>>,
  secrets: ConnectionSettings,
  endpoints: ProviderEndpoints,
): ConnectionSettings {
  const override = endpoints[platformEndpointKey(definition.name)];
  return { ...params, ...secrets, ...(params.base_url === undefined && override ? { base_url: override } : {}) };
}
