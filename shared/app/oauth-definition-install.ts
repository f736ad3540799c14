/**
 * The OAuth install of a definition connector (`auth: oauth2`) with the tenant's own OAuth app, the
 * way Nango or n8n install a custom integration: the tenant connects first with its app's client id
 * and secret (PUT .../connections/{name}, `tajo connectors connect <name> --client-id --client-secret`:
 * they go to the secret store with the connection's other secrets), then asks for an authorize URL
 * (POST .../oauth) built from the definition's authorizationUrl, scopes and, when it says
 * `pkce: true`, an S256 challenge whose verifier waits in the secret store. The callback
 * (`GET /oauth/{name}/callback`) exchanges the code at the definition's tokenUrl and keeps the
 * tokens with the connection's secrets. The flow around it (state, expiry, pages) is
 * oauth-install.ts's, shared with Notion and Slack.
 */
import type { Definition } from '../connectors/custom';
import { secretsOf, storedDefinition } from '../connectors/custom/connection';
import { authorizeUrlOf, exchangeCode, oauth2Of, pkcePair } from '../connectors/custom/oauth';
import { saveTokens } from '../connectors/custom/oauth-connection';
import type { ApiResponse } from '../core/http/api-types';
import type { ConnectionRecord } from '../core/ports';
import { InstallRefused, type OAuthInstallDeps } from './oauth-install-steps';

/** The secret store's name of a pending PKCE install's verifier (one pending install per connection). */
function verifierSecretName(tenantId: string, connector: string): string {
  return `${tenantId}/${connector}-oauth-pkce`;
}

interface StoredOAuthConnection {
  record: ConnectionRecord<string>;
  definition: Definition;
}

/** The tenant's connection of `connector` when its stored definition signs in by oauth2. */
async function oauthConnection(
  deps: OAuthInstallDeps,
  tenantId: string,
  connector: string,
): Promise<StoredOAuthConnection | undefined> {
  const record = await deps.connections.getConnection(tenantId, connector);
  if (!record) return undefined;
  const definition = storedDefinition(record);
  return definition && oauth2Of(definition) ? { record, definition } : undefined;
}

export type DefinitionStart =
  | { refusal: ApiResponse }
  | { redirectUri: string; codeVerifierRef?: string; authorizeUrl(state: string): string };

/**
 * What an install of a definition connection starts from; undefined when the tenant has no oauth2
 * definition connection of that name (the built-in installers, or the refusal, answer then).
 */
export async function prepareDefinitionInstall(
  deps: OAuthInstallDeps,
  args: { tenantId: string; connector: string; publicBaseUrl: string; withConfig: boolean },
): Promise<DefinitionStart | undefined> {
  const found = await oauthConnection(deps, args.tenantId, args.connector);
  if (!found) return undefined;
  const { record, definition } = found;
  const refuse = (status: number, error: string): DefinitionStart => ({ refusal: { status, body: { error } } });
  if (args.withConfig)
    return refuse(
      400,
      `${args.connector} installs its existing connection: leave "config" out (change its settings with PUT /tenants/${args.tenantId}/connections/${args.connector})`,
    );
  const secrets = secretsOf(await deps.secrets.get(record.tokenRef, { fresh: true }), args.connector);
  if (!secrets.client_id || !secrets.client_secret)
    return refuse(
      409,
      `the ${args.connector} connection has no OAuth app: connect it with your app's client_id and client_secret first (tajo connectors connect ${args.connector} --client-id ... --client-secret ...)`,
    );
  if (oauth2Of(definition)?.authorization_url === undefined)
    return refuse(
      409,
      `${args.connector}'s definition has no authorizationUrl: add it to auth (oauth2) to install by OAuth`,
    );
  const redirectUri = `${args.publicBaseUrl.replace(/\/$/, '')}/oauth/${args.connector}/callback`;
  const clientId = secrets.client_id;
  if (!oauth2Of(definition)?.pkce)
    return { redirectUri, authorizeUrl: (state) => authorizeUrlOf(definition, { clientId, redirectUri, state }) };
  const pkce = pkcePair();
  const codeVerifierRef = await deps.secrets.put(verifierSecretName(args.tenantId, args.connector), pkce.verifier, {
    tenant: args.tenantId,
    connector: args.connector,
  });
  return {
    redirectUri,
    codeVerifierRef,
    authorizeUrl: (state) =>
      authorizeUrlOf(definition, { clientId, redirectUri, state, codeChallenge: pkce.challenge }),
  };
}

/** The callback's half: the code exchanged with the tenant's app, the tokens stored with the connection. */
export async function installDefinition(
  deps: OAuthInstallDeps,
  pending: { tenantId: string; connector: string; redirectUri: string; codeVerifierRef?: string },
  code: string,
): Promise<{ record: ConnectionRecord<string>; installedName: string; label: string }> {
  const found = await oauthConnection(deps, pending.tenantId, pending.connector);
  // Its install was started for an oauth2 connection (start checks): gone or changed since.
  if (!found)
    throw new InstallRefused(
      409,
      `The ${pending.connector} connection was removed or changed meanwhile: connect it again, then install it.`,
    );
  const { record, definition } = found;
  const secrets = secretsOf(await deps.secrets.get(record.tokenRef, { fresh: true }), pending.connector);
  if (!secrets.client_id || !secrets.client_secret)
    throw new InstallRefused(409, `The ${pending.connector} connection has no OAuth app any more: connect it again.`);
  let codeVerifier: string | undefined;
  if (pending.codeVerifierRef !== undefined) {
    codeVerifier = await deps.secrets.get(pending.codeVerifierRef, { fresh: true });
    // Used once: whatever the exchange answers, a verifier is never sent twice.
    await deps.secrets.delete(pending.codeVerifierRef).catch(() => undefined);
  }
  const tokens = await exchangeCode(
    definition,
    {
      clientId: secrets.client_id,
      clientSecret: secrets.client_secret,
      code,
      redirectUri: pending.redirectUri,
      ...(codeVerifier !== undefined ? { codeVerifier } : {}),
    },
    { clock: deps.clock },
  );
  const scopes = oauth2Of(definition)?.scopes ?? [];
  const updated = await saveTokens(deps, record, tokens, { installed: true, scopes });
  const where = record.workspace?.name ? ` (${record.workspace.name})` : '';
  return { record: updated, installedName: `${definition.label}${where}`, label: definition.label };
}
