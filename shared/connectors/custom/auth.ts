/**
 * A connection's settings against its definition: which credentials the auth needs (config keys of
 * `connectors.<name>`), the connection parameters, the base URL with its placeholders filled, and
 * how each request is signed in (header or query; oauth2 refreshes its access token once on a 401).
 */
import { ProviderError } from '../../core/errors';
import { type Clock, systemClock } from '../../core/ports';
import type { Definition } from './definition/schema';
import { placeholders } from './definition/schema';
import {
  expiresSoon,
  type OAuth2Auth,
  type OAuthTokens,
  refreshTokens,
  reinstallLine,
  singleFlightRefresh,
  tokenSecrets,
} from './oauth';

export type { OAuthTokens } from './oauth';

/** A connection's values: config keys of `connectors.<name>` (credentials, base_url, parameters). */
export type ConnectionSettings = Readonly<Record<string, string | undefined>>;

export interface ConnectionIssue {
  /** The config key, e.g. `api_key` (the caller prefixes `connectors.<name>.`). */
  key: string;
  message: string;
}

export interface CredentialNeed {
  key: string;
  /** Whether the value may be empty (basic auth's password: Stripe takes the key as the username). */
  mayBeEmpty: boolean;
  why: string;
}

/** The config keys the definition's auth reads, and why (for `required by auth ...` lines). */
export function credentialNeeds(auth: Definition['auth']): CredentialNeed[] {
  switch (auth.type) {
    case 'api_key': {
      const where = auth.header !== undefined ? `header ${auth.header}` : `query ${auth.query}`;
      return [{ key: auth.credential ?? 'api_key', mayBeEmpty: false, why: `required by auth api_key (${where})` }];
    }
    case 'bearer':
      return [{ key: auth.credential ?? 'token', mayBeEmpty: false, why: 'required by auth bearer' }];
    case 'basic':
      return [
        { key: auth.credential ?? 'username', mayBeEmpty: false, why: 'required by auth basic (the username)' },
        { key: auth.password_credential ?? 'password', mayBeEmpty: true, why: 'the basic auth password' },
      ];
    case 'oauth2':
      // Either the tenant's OAuth app (the install obtains the tokens) or a token obtained elsewhere.
      return [
        { key: 'access_token', mayBeEmpty: true, why: 'the connection’s access token (the install obtains it)' },
        { key: 'client_id', mayBeEmpty: true, why: 'your OAuth app’s client id (for the install)' },
        { key: 'client_secret', mayBeEmpty: true, why: 'your OAuth app’s client secret (for the install)' },
      ];
    case 'none':
      return [];
  }
}

/**
 * What is missing or wrong in a connection: credentials, required parameters, parameter patterns,
 * and a base URL (the definition's or the connection's). Empty when the connection can be used.
 */
export function connectionIssues(definition: Definition, settings: ConnectionSettings): ConnectionIssue[] {
  const issues: ConnectionIssue[] = [];
  for (const need of credentialNeeds(definition.auth)) {
    const value = settings[need.key];
    if (!need.mayBeEmpty && (value === undefined || value.trim() === ''))
      issues.push({ key: need.key, message: need.why });
  }
  if (definition.auth.type === 'oauth2') issues.push(...oauthAppIssues(settings));
  for (const [key, param] of Object.entries(definition.connection)) {
    const value = settings[key] ?? param.default;
    if (value === undefined || value === '') {
      if (param.required)
        issues.push({
          key,
          message: `required by ${definition.name}${param.description ? ` (${param.description})` : ''}`,
        });
      continue;
    }
    if (param.pattern !== undefined && !new RegExp(param.pattern).test(value))
      issues.push({
        key,
        message: `"${value}" does not look right${param.description ? `: expected ${param.description}` : ''}`,
      });
  }
  const base = settings.base_url ?? definition.base_url;
  if (base === undefined)
    issues.push({
      key: 'base_url',
      message: `required: ${definition.name}'s definition has no base_url (the API's root URL)`,
    });
  else if (!/^https?:\/\/[^\s]+$/.test(base)) issues.push({ key: 'base_url', message: 'expected an http(s) URL' });
  return issues;
}

/** oauth2: the OAuth app (both halves) or an access token. */
function oauthAppIssues(settings: ConnectionSettings): ConnectionIssue[] {
  const given = (key: string) => (settings[key] ?? '').trim() !== '';
  if (given('client_id') && !given('client_secret'))
    return [{ key: 'client_secret', message: 'required with client_id (your OAuth app’s client secret)' }];
  if (given('client_secret') && !given('client_id'))
    return [{ key: 'client_id', message: 'required with client_secret (your OAuth app’s client id)' }];
  if (given('client_id') || given('access_token')) return [];
  return [
    {
      key: 'client_id',
      message:
        'required by auth oauth2: your OAuth app’s client_id and client_secret (then install: tajo connectors install), or an access_token',
    },
  ];
}

/** The API root: the connection's base_url, else the definition's, `{param}` filled from the connection. */
export function resolveBaseUrl(definition: Definition, settings: ConnectionSettings): string {
  const template = settings.base_url ?? definition.base_url;
  if (template === undefined)
    throw new Error(`${definition.name}: no base_url: set connectors.${definition.name}.base_url`);
  let url = template;
  for (const name of placeholders(template)) {
    const value = settings[name] ?? definition.connection[name]?.default;
    if (value === undefined || value === '')
      throw new Error(`${definition.name}: base_url needs {${name}}: set connectors.${definition.name}.${name}`);
    url = url.replaceAll(`{${name}}`, encodeURIComponent(value).replace(/%2E/gi, '.'));
  }
  return url.replace(/\/+$/, '');
}

export interface AuthSession {
  /** Before a request: an oauth2 access token about to expire is refreshed first. */
  prepare(): Promise<void>;
  /** Adds the credentials to a request (header or query parameter). */
  apply(url: URL, headers: Headers): void;
  /** After a 401: refreshes the credentials once if the auth can (oauth2 with a refresh token). */
  refresh(): Promise<boolean>;
}

/** What an oauth2 session reports: new tokens to store, a refused refresh to mark. */
export interface OAuthSessionHooks {
  /** Stores refreshed tokens; without it a token is refreshed only after a 401 (nothing keeps it). */
  onTokens?: (tokens: OAuthTokens) => Promise<void> | void;
  /** The platform refused the refresh token: the connection needs installing again (`reason`: one line). */
  onRefused?: (reason: string) => Promise<void> | void;
  /** The stored tokens now (read past any cache): another process may have refreshed them. */
  latest?: () => Promise<Readonly<Record<string, string | undefined>>>;
  clock?: Clock;
}

/** How requests of one connection sign in (oauth2: refreshed at its token endpoint). */
export function authSession(
  definition: Definition,
  settings: ConnectionSettings,
  hooks: OAuthSessionHooks = {},
): AuthSession {
  const auth = definition.auth;
  const cred = (key: string) => settings[key] ?? '';
  switch (auth.type) {
    case 'api_key': {
      const value = `${auth.prefix ?? ''}${cred(auth.credential ?? 'api_key')}`;
      return {
        prepare: async () => {},
        apply: (url, headers) => {
          if (auth.header !== undefined) headers.set(auth.header, value);
          else if (auth.query !== undefined) url.searchParams.set(auth.query, value);
        },
        refresh: async () => false,
      };
    }
    case 'bearer':
      return bearer(() => cred(auth.credential ?? 'token'));
    case 'basic': {
      const pair = `${cred(auth.credential ?? 'username')}:${cred(auth.password_credential ?? 'password')}`;
      const value = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
      return {
        prepare: async () => {},
        apply: (_url, headers) => headers.set('Authorization', value),
        refresh: async () => false,
      };
    }
    case 'oauth2':
      return oauth2Session(definition, auth, settings, hooks);
    case 'none':
      return { prepare: async () => {}, apply: () => {}, refresh: async () => false };
  }
}

function bearer(token: () => string): AuthSession {
  return {
    prepare: async () => {},
    apply: (_url, headers) => headers.set('Authorization', `Bearer ${token()}`),
    refresh: async () => false,
  };
}

/**
 * `Authorization: Bearer <access_token>`; refreshed before it expires (when the new tokens can be
 * stored) and once after a 401. A refused refresh token is the grant's end: reported, then thrown.
 */
function oauth2Session(
  definition: Definition,
  auth: OAuth2Auth,
  settings: ConnectionSettings,
  hooks: OAuthSessionHooks,
): AuthSession {
  const clock = hooks.clock ?? systemClock;
  const secrets: Record<string, string | undefined> = { ...settings };
  let refreshedAfter401 = false;
  const canRefresh = () => Boolean(secrets.refresh_token);
  const refresh = async (): Promise<void> => {
    // Another process may have refreshed since this session read the tokens: theirs, when usable.
    const latest = await hooks.latest?.();
    if (latest?.access_token && latest.access_token !== secrets.access_token) {
      Object.assign(secrets, latest);
      if (!expiresSoon(secrets, clock.now())) return;
    }
    const spent = secrets.refresh_token as string;
    const key = `${definition.name}|${auth.token_url}|${spent}`;
    const tokens = await singleFlightRefresh(key, clock.now(), async () => {
      try {
        const answer = await refreshTokens(
          definition,
          { clientId: secrets.client_id ?? '', clientSecret: secrets.client_secret ?? '', refreshToken: spent },
          { clock },
        );
        const kept = { ...answer, refresh_token: answer.refresh_token ?? spent };
        // Stored before anyone uses it: a rolled refresh token is all the connection has now.
        await hooks.onTokens?.(kept);
        return kept;
      } catch (err) {
        if (err instanceof ProviderError && err.status >= 400 && err.status < 500 && err.code !== 'http_429') {
          const line = `${definition.label} refused the refresh token (${err.code}): ${reinstallLine(definition)}`;
          await hooks.onRefused?.(line);
          throw new ProviderError('platform', 401, 'oauth_reinstall', line);
        }
        throw err;
      }
    });
    Object.assign(secrets, tokenSecrets(tokens, clock.now()));
  };
  return {
    async prepare() {
      if (hooks.onTokens !== undefined && canRefresh() && expiresSoon(secrets, clock.now())) await refresh();
    },
    apply: (_url, headers) => headers.set('Authorization', `Bearer ${secrets.access_token ?? ''}`),
    async refresh() {
      // Once per session: a second 401 after a fresh token is the credential's fault, not its age.
      if (refreshedAfter401 || !canRefresh()) return false;
      refreshedAfter401 = true;
      await refresh();
      return true;
    },
  };
}

/** The config key a 401 points at, for the error line (`check connectors.acme.api_key`). */
export function credentialHint(definition: Definition): string {
  const [first] = credentialNeeds(definition.auth);
  return first === undefined ? 'the API refused the request' : `check connectors.${definition.name}.${first.key}`;
}
