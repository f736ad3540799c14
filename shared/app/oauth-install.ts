/**
 * OAuth installs: Notion (a public connection) and Slack (the deployment's distributed app, OAuth v2).
 *
 * 1. A tenant admin asks the management API for an authorize URL (`POST
 *    /tenants/{tenantId}/connections/{connector}/oauth`, tenant API key). The state in that URL is
 *    `<tenantId>.<32 random bytes>`: bound to the tenant, single-use, valid 10 minutes, and stored
 *    only as a sha256 hash (a table dump cannot complete anyone's install). The admin opens the
 *    URL and consents at Notion or Slack.
 * 2. The provider redirects the browser to `GET /oauth/{connector}/callback?code&state`. The state is
 *    marked used in one conditional write (a replay, or a second tab, is refused), checked for its
 *    expiry and connector; the code is exchanged with the same redirect_uri; the grant goes to the
 *    secret store; the connection record keeps its reference and the install's metadata (workspace,
 *    bot, owner, scopes, team), gets its schedule, and a Slack workspace is claimed for the tenant
 *    (refused when another tenant holds it, before anything is stored).
 *
 * Why a stored state rather than an HMAC-signed one: single use needs server state anyway, and a
 * stored hash needs no signing key to keep and rotate. The state names the tenant so that its item
 * sits under the tenant's key like every other item.
 *
 * Known limit: nothing ties the consenting browser to the admin who asked for the URL (the API key
 * is not a browser session). Whoever opens a fresh URL within its 10 minutes connects their
 * workspace to that tenant; the success page names the tenant, and a Slack workspace already
 * connected elsewhere cannot be taken over.
 */

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isPlatformConnector, resolveConnector } from '../connectors';
import { SlackApiError } from '../connectors/slack/client';
import { tenantIdSchema } from '../core/config/schema';
import {
  ConfigError,
  ProviderError,
  RequestRefusedError,
  TajoError,
  UnreachableError,
  WorkspaceClaimedError,
} from '../core/errors';
import { sha256Hex } from '../core/hash';
import type { ApiResponse } from '../core/http/api-types';
import { parseJsonBody } from '../core/http/request-body';
import type { ConnectorName, OAuthStateRecord } from '../core/ports';
import { connectBrevo } from '../core/tenancy/tenants';
import { parseConfig } from './config';
import { installDefinition, prepareDefinitionInstall } from './oauth-definition-install';
import { InstallRefused, type OAuthInstallDeps } from './oauth-install-steps';
import { type OAuthInstaller, oauthInstallers } from './oauth-installs';

/** How long an authorize URL can be used (Slack's codes live as long). */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;

// ---------------------------------------------------------------------------------------- state

export function newOAuthState(tenantId: string): string {
  return `${tenantId}.${randomBytes(32).toString('base64url')}`;
}

export function hashOAuthState(state: string): string {
  return sha256Hex(state);
}

/** The tenant a state names; undefined for anything this service did not make. */
export function tenantOfOAuthState(state: string): string | undefined {
  const m = /^([^.]+)\.[A-Za-z0-9_-]{43}$/.exec(state);
  return m && tenantIdSchema.safeParse(m[1]).success ? m[1] : undefined;
}

// ---------------------------------------------------------------------------------------- start

const startBody = z.strictObject({
  /**
   * A first connection's config: the tajo.yaml content as JSON, without the connector's token
   * (the install provides it). Without it the tenant's existing connection is authorized again.
   */
  config: z.record(z.string(), z.unknown()).optional(),
});

/** Fills the token the schema requires while the config is validated; never stored. */
const TOKEN_PLACEHOLDER = 'oauth-install';

/**
 * Creates a pending install and returns its authorize URL. `publicBaseUrl` is where this API is
 * reached (the callback's default redirect URI, unless the app's secret names one).
 */
export async function startOAuthInstall(
  deps: OAuthInstallDeps,
  args: { tenantId: string; connector: string | undefined; body?: string; publicBaseUrl: string },
): Promise<ApiResponse> {
  const connector = args.connector;
  // A tenant's registered definition resolves in the API's scope only: its connection says what it is.
  const stored = connector !== undefined && (await deps.connections.getConnection(args.tenantId, connector));
  if (!isPlatformConnector(connector) && !stored) {
    return { status: 404, body: { error: `unknown connector ${connector}` } };
  }
  const body = parseJsonBody(args.body, startBody);
  if (!body.ok) return body.response;

  const installer = oauthInstallers[connector as ConnectorName];
  const ofDefinition = installer
    ? undefined
    : await prepareDefinitionInstall(deps, {
        tenantId: args.tenantId,
        connector: connector as string,
        publicBaseUrl: args.publicBaseUrl,
        withConfig: body.data.config !== undefined,
      });
  if (ofDefinition) {
    if ('refusal' in ofDefinition) return ofDefinition.refusal;
    return issueState(deps, {
      tenantId: args.tenantId,
      connector: connector as string,
      redirectUri: ofDefinition.redirectUri,
      ...(ofDefinition.codeVerifierRef !== undefined ? { codeVerifierRef: ofDefinition.codeVerifierRef } : {}),
      authorizeUrl: ofDefinition.authorizeUrl,
    });
  }
  if (!installer && !stored && installsWithOwnApp(connector)) {
    return {
      status: 409,
      body: {
        error: `tenant ${args.tenantId} has no ${connector} connection: connect it first with your OAuth app (PUT /tenants/${args.tenantId}/connections/${connector} {"client_id", "client_secret"}; tajo connectors connect ${connector} --client-id ... --client-secret ...), then start its install`,
        code: 'not_connected',
      },
    };
  }
  if (!installer) {
    return {
      status: 404,
      body: {
        error: `${connector} has no OAuth install: connect it with its credentials (PUT /tenants/${args.tenantId}/connections/${connector})`,
      },
    };
  }
  const app = await installer.app(deps);
  if (!app) {
    return {
      status: 503,
      body: { error: `this deployment has no ${connector} OAuth app configured (client id and secret)` },
    };
  }
  const now = deps.clock.now();
  const pending: Omit<OAuthStateRecord, 'stateHash'> = {
    tenantId: args.tenantId,
    connector,
    redirectUri: app.redirectUri ?? `${args.publicBaseUrl.replace(/\/$/, '')}/oauth/${connector}/callback`,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + OAUTH_STATE_TTL_MS).toISOString(),
  };
  if (body.data.config) {
    const first = firstConnectionSettings(connector, installer, body.data.config);
    if ('error' in first) return { status: 400, body: { error: first.error } };
    pending.settings = first.settings;
    // One Brevo key per tenant, shared by its connections: the tenant's checked key when it has one
    // (the config's is not used then); otherwise the config's, checked against the account and
    // stored as the tenant's (as PUT /tenants/{t}/brevo does) before the admin is sent to consent.
    const tenant = await deps.tenants.getTenant(args.tenantId);
    if (tenant?.brevoApiKeyRef) pending.brevoApiKeyRef = tenant.brevoApiKeyRef;
    else {
      try {
        await connectBrevo(
          { ...deps, brevoBaseUrl: deps.endpoints.brevoBaseUrl },
          args.tenantId,
          first.brevoKeyName
            ? { apiKey: first.brevoApiKey, keyName: first.brevoKeyName }
            : { apiKey: first.brevoApiKey },
        );
      } catch (err) {
        if (err instanceof RequestRefusedError) return { status: err.status, body: { error: err.message } };
        throw err;
      }
      pending.brevoApiKeyRef = (await deps.tenants.getTenant(args.tenantId))?.brevoApiKeyRef;
    }
  } else if (!(await deps.connections.getConnection(args.tenantId, connector))) {
    return {
      status: 409,
      body: {
        error: `tenant ${args.tenantId} has no ${connector} connection to authorize: give "config" (the tajo.yaml content as JSON, without the ${installer.secretKeys[0]})`,
        code: 'not_connected',
      },
    };
  }
  const state = newOAuthState(args.tenantId);
  await deps.states.putOAuthState({ ...pending, stateHash: hashOAuthState(state) });
  const authorizeUrl = installer.authorizeUrl(deps, app, pending.redirectUri, state);
  return {
    status: 201,
    body: { connector, authorizeUrl, redirectUri: pending.redirectUri, expiresAt: pending.expiresAt },
  };
}

/** A definition connection's pending install (its existing connection's settings are kept). */
async function issueState(
  deps: OAuthInstallDeps,
  args: {
    tenantId: string;
    connector: string;
    redirectUri: string;
    codeVerifierRef?: string;
    authorizeUrl(state: string): string;
  },
): Promise<ApiResponse> {
  const now = deps.clock.now();
  const state = newOAuthState(args.tenantId);
  const expiresAt = new Date(now + OAUTH_STATE_TTL_MS).toISOString();
  await deps.states.putOAuthState({
    tenantId: args.tenantId,
    connector: args.connector,
    stateHash: hashOAuthState(state),
    redirectUri: args.redirectUri,
    createdAt: new Date(now).toISOString(),
    expiresAt,
    ...(args.codeVerifierRef !== undefined ? { codeVerifierRef: args.codeVerifierRef } : {}),
  });
  return {
    status: 201,
    body: {
      connector: args.connector,
      authorizeUrl: args.authorizeUrl(state),
      redirectUri: args.redirectUri,
      expiresAt,
    },
  };
}

/** An `auth: oauth2` definition: its own install verb, no deployment app (`oauth`) like Notion's and Slack's. */
export function installsWithOwnApp(connector: string | undefined): boolean {
  const descriptor = resolveConnector(connector);
  return descriptor?.oauth === undefined && descriptor?.cli.commands.some((c) => c.verb === 'install') === true;
}

/** The config validated as a file would be, but without reading this server's environment. */
function firstConnectionSettings(
  connector: ConnectorName,
  installer: OAuthInstaller,
  config: Record<string, unknown>,
): { settings: Record<string, unknown>; brevoApiKey: string; brevoKeyName?: string } | { error: string } {
  const connectors = (config.connectors ?? {}) as Record<string, unknown>;
  const section = connectors[connector];
  if (section === null || typeof section !== 'object' || Array.isArray(section)) {
    return { error: `config.connectors.${connector}: is required (the connection's settings)` };
  }
  const given = installer.secretKeys.filter((k) => k in section);
  if (given.length) {
    return {
      error: `config.connectors.${connector}.${given[0]}: leave it out: the OAuth install provides the credentials`,
    };
  }
  let parsed: ReturnType<typeof parseConfig>;
  try {
    // An empty environment: a ${VAR} in a tenant's config must never read this server's variables.
    const withToken = {
      ...config,
      connectors: {
        [connector]: { ...section, [installer.secretKeys[0] as string]: TOKEN_PLACEHOLDER },
      },
    };
    parsed = parseConfig(JSON.stringify(withToken), {}, 'config');
  } catch (err) {
    if (err instanceof ConfigError)
      return { error: err.issues.map((i) => (i.path ? `config.${i.path}: ${i.message}` : i.message)).join('; ') };
    throw err;
  }
  const brevoKeyName = parsed.brevo.api_key_name;
  // The key's name lets the rules and notifications tell our own contact writes' webhooks apart.
  const ownApiKeyNames = brevoKeyName ? [brevoKeyName] : [];
  return {
    settings: { ...installer.settingsOf(parsed), ownApiKeyNames },
    brevoApiKey: parsed.brevo.api_key,
    brevoKeyName,
  };
}

// ---------------------------------------------------------------------------------------- callback

/** What the callback shows the admin's browser. */
export interface InstallPage {
  status: number;
  title: string;
  message: string;
}

const callbackQuery = z.object({
  code: z.string().min(1).max(2048).optional(),
  state: z.string().min(1).max(512).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

export async function completeOAuthInstall(
  deps: OAuthInstallDeps,
  connector: ConnectorName,
  query: Record<string, string | undefined>,
): Promise<InstallPage> {
  // The generic callback route takes any name: one the registry does not resolve here is named as given.
  const provider = resolveConnector(connector)?.label ?? connector;
  try {
    const q = callbackQuery.safeParse(query);
    if (!q.success)
      throw new InstallRefused(400, 'The redirect carries malformed parameters. Start the install again.');
    // A refusal at the consent page still uses up its state: the link cannot be replayed.
    const pending = q.data.state ? await takeState(deps, connector, q.data.state) : undefined;
    if (q.data.error) {
      const why =
        q.data.error === 'access_denied' ? 'the access was not granted' : `${provider} answered ${q.data.error}`;
      throw new InstallRefused(400, `The install was cancelled at ${provider}: ${why}. Nothing was connected.`);
    }
    if (!pending) throw new InstallRefused(400, 'The redirect has no state: start the install from the API again.');
    if (!q.data.code) throw new InstallRefused(400, `${provider} sent no authorization code. Start the install again.`);
    const installer = oauthInstallers[connector];
    const installed = installer
      ? await installer
          .install(deps, pending, q.data.code)
          .then((r) => ({ record: r, installedName: installer.installedName(r), label: provider }))
      : await installDefinition(deps, pending, q.data.code);
    const { record, installedName: where, label } = installed;
    deps.log?.('OAuth install completed', { tenantId: record.tenantId, connector });
    return {
      status: 200,
      title: `${label} connected`,
      message: `${where} is now connected to tenant ${record.tenantId}. You can close this window.`,
    };
  } catch (err) {
    const page = refusalOf(err, provider);
    deps.log?.('OAuth install refused', { connector, status: page.status, reason: page.message });
    return page;
  }
}

function refusalOf(err: unknown, provider: string): InstallPage {
  const title = `${provider} was not connected`;
  if (err instanceof InstallRefused) return { status: err.status, title, message: err.message };
  if (err instanceof WorkspaceClaimedError) return { status: 409, title, message: `${err.message}.` };
  if (err instanceof SlackApiError) {
    // The admin can fix a stale or reused code by starting again; the rest is the deployment's app.
    const again = ['invalid_code', 'code_already_used', 'invalid_grant'].includes(err.error);
    return again
      ? {
          status: 400,
          title,
          message: `Slack refused the authorization code (${err.error}): it expired or was used already. Start the install again.`,
        }
      : {
          status: 502,
          title,
          message: `Slack refused the exchange (${err.error}): the deployment's Slack app settings need attention (client id, secret, redirect URL).`,
        };
  }
  if (err instanceof ProviderError) {
    return err.code === 'invalid_grant'
      ? { status: 400, title, message: `${err.message}.` }
      : { status: 502, title, message: `${err.message}.` };
  }
  if (err instanceof UnreachableError) return { status: 502, title, message: `${err.message}. Try again.` };
  if (err instanceof TajoError) return { status: 500, title, message: `${err.message}.` };
  return { status: 500, title, message: 'The install failed on our side. Try again later.' };
}

async function takeState(deps: OAuthInstallDeps, connector: ConnectorName, state: string): Promise<OAuthStateRecord> {
  const tenantId = tenantOfOAuthState(state);
  const mismatch =
    'The state does not match any install started here (state mismatch). Start the install from the API again.';
  if (!tenantId) throw new InstallRefused(400, mismatch);
  const now = deps.clock.now();
  const taken = await deps.states.takeOAuthState(tenantId, hashOAuthState(state), new Date(now).toISOString());
  if (taken.outcome === 'unknown') throw new InstallRefused(400, mismatch);
  if (taken.outcome === 'used') {
    throw new InstallRefused(400, 'This install link was used already (each one works once). Start the install again.');
  }
  const pending = taken.record;
  if (pending.connector !== connector) throw new InstallRefused(400, mismatch);
  if (Date.parse(pending.expiresAt) <= now) {
    throw new InstallRefused(400, 'This install link expired (it is valid 10 minutes). Start the install again.');
  }
  return pending;
}
