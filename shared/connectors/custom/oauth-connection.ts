/**
 * The tokens of a stored oauth2 connection: the install's and each refresh's go to the connection's
 * secrets (one JSON object at its tokenRef, with the OAuth app's client id and secret), and its
 * record's `settings.oauth` says what status shows (installed when, expires when, or that the
 * platform refused the refresh and what to do).
 */
import type { Clock, ConnectionRecord, ConnectionStore, SecretStore } from '../../core/ports';
import type { OAuthSessionHooks } from './auth';
import { credentialsSecretName, secretsOf, secretsText, storedDefinition } from './connection';
import type { Definition } from './definition/schema';
import { type OAuthInstallInfo, type OAuthTokens, oauthInstallSchema, reinstallLine, tokenSecrets } from './oauth';

export interface OAuthStoreDeps {
  connections: ConnectionStore;
  secrets: SecretStore;
  clock: Clock;
}

/** The record's install facts, when it has any readable. */
export function oauthInfoOf(record: Pick<ConnectionRecord<string>, 'settings'>): OAuthInstallInfo | undefined {
  const parsed = oauthInstallSchema.safeParse((record.settings as { oauth?: unknown }).oauth);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Why a stored oauth2 connection waits for an install (not installed yet, or its refresh refused),
 * from its record alone: a scheduled tick or a sync now is not queued then (it could only fail).
 */
export function installPending(record: ConnectionRecord<string>): string | undefined {
  const definition = storedDefinition(record);
  if (definition?.auth.type !== 'oauth2') return undefined;
  const info = oauthInfoOf(record);
  if (info?.reinstall) return info.reinstall;
  if (info === undefined)
    return `${definition.label} is not installed yet: ${reinstallLine(definition).replace(/^install it again/, 'install it')}`;
  return undefined;
}

/** Why a connection cannot read yet (one line), or undefined when it can. */
export function notInstalledReason(definition: Definition, secrets: Readonly<Record<string, string | undefined>>) {
  if (definition.auth.type !== 'oauth2' || secrets.access_token) return undefined;
  return `${definition.label} is connected but not installed yet (no access token): ${reinstallLine(definition).replace(/^install it again/, 'install it')}`;
}

/**
 * Stores tokens with the connection's other secrets and updates what the record shows. `installed`:
 * a new grant (the install), else a refresh of the current one.
 */
export async function saveTokens(
  deps: OAuthStoreDeps,
  record: ConnectionRecord<string>,
  tokens: OAuthTokens,
  opts: { installed: boolean; scopes: string[] },
): Promise<ConnectionRecord<string>> {
  const now = deps.clock.now();
  const current = secretsOf(await deps.secrets.get(record.tokenRef, { fresh: true }), record.connector);
  const { oauth_expires_at: _gone, ...kept } = current;
  const next = { ...kept, ...tokenSecrets(tokens, now) };
  const tokenRef = await deps.secrets.put(credentialsSecretName(record.tenantId, record.connector), secretsText(next), {
    tenant: record.tenantId,
    connector: record.connector,
  });
  const before = oauthInfoOf(record);
  const at = new Date(now).toISOString();
  const oauth: OAuthInstallInfo = {
    source: opts.installed ? 'install' : (before?.source ?? 'install'),
    installedAt: opts.installed ? at : (before?.installedAt ?? at),
    ...(tokens.expires_in !== undefined ? { expiresAt: new Date(now + tokens.expires_in * 1000).toISOString() } : {}),
    ...(opts.installed ? {} : { refreshedAt: at }),
    scopes: tokens.scope !== undefined ? tokens.scope.split(/[\s,]+/).filter(Boolean) : opts.scopes,
  };
  // Read again: a refresh mid-sync must not undo a change made to the record meanwhile.
  const latest = (await deps.connections.getConnection(record.tenantId, record.connector)) ?? record;
  const updated: ConnectionRecord<string> = {
    ...latest,
    tokenRef,
    settings: { ...latest.settings, oauth },
    updatedAt: at,
  };
  await deps.connections.putConnection(updated);
  return updated;
}

/** Marks a connection whose refresh token the platform refused: status says what to do. */
export async function markReinstall(deps: OAuthStoreDeps, record: ConnectionRecord<string>, line: string) {
  const latest = (await deps.connections.getConnection(record.tenantId, record.connector)) ?? record;
  const before = oauthInfoOf(latest) ?? { source: 'install' as const, scopes: [] };
  await deps.connections.putConnection({
    ...latest,
    settings: { ...latest.settings, oauth: { ...before, reinstall: line } },
    updatedAt: new Date(deps.clock.now()).toISOString(),
  });
}

/** The session hooks of a stored connection: refreshed tokens kept, a refused refresh marked. */
export function storedOAuthHooks(
  deps: OAuthStoreDeps,
  record: ConnectionRecord<string>,
  definition: Definition,
): Pick<OAuthSessionHooks, 'onTokens' | 'onRefused' | 'latest'> {
  if (definition.auth.type !== 'oauth2') return {};
  const scopes = definition.auth.scopes;
  return {
    latest: async () => {
      const now = (await deps.connections.getConnection(record.tenantId, record.connector)) ?? record;
      return secretsOf(await deps.secrets.get(now.tokenRef, { fresh: true }), record.connector);
    },
    onTokens: async (tokens) => {
      await saveTokens(deps, record, tokens, { installed: false, scopes });
    },
    onRefused: (line) => markReinstall(deps, record, line),
  };
}
