/**
 * A connection's settings against its definition: which credentials the auth needs (config keys of
 * `connectors.<name>`), the connection parameters, the base URL with its placeholders filled, and
 * how each request is signed in (header or query; oauth2 refreshes its access token once on a 401).
 */
import { z } from 'zod';
import type { Definition } from './definition/schema';
import { placeholders } from './definition/schema';

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
      return [
        { key: 'access_token', mayBeEmpty: false, why: 'required by auth oauth2 (the connection’s access token)' },
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

/** New tokens after a refresh, for the caller to store with the connection. */
export interface OAuthTokens {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
}

const tokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).nullish(),
  expires_in: z.number().nullish(),
});

export interface AuthSession {
  /** Adds the credentials to a request (header or query parameter). */
  apply(url: URL, headers: Headers): void;
  /** After a 401: refreshes the credentials once if the auth can (oauth2 with a refresh token). */
  refresh(): Promise<boolean>;
}

/**
 * How requests of one connection sign in. `post` sends the refresh request (the paced fetch);
 * `onTokens` stores refreshed tokens.
 */
export function authSession(
  definition: Definition,
  settings: ConnectionSettings,
  post: (url: string, init: RequestInit) => Promise<Response>,
  onTokens?: (tokens: OAuthTokens) => Promise<void> | void,
): AuthSession {
  const auth = definition.auth;
  const cred = (key: string) => settings[key] ?? '';
  switch (auth.type) {
    case 'api_key': {
      const value = `${auth.prefix ?? ''}${cred(auth.credential ?? 'api_key')}`;
      return {
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
      return { apply: (_url, headers) => headers.set('Authorization', value), refresh: async () => false };
    }
    case 'oauth2': {
      let access = cred('access_token');
      let refreshToken = settings.refresh_token;
      let refreshed = false;
      const session = bearer(() => access);
      session.refresh = async () => {
        // Once per session: a second 401 after a fresh token is the credential's fault, not its age.
        if (refreshed || refreshToken === undefined || refreshToken === '') return false;
        refreshed = true;
        const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
        if (settings.client_id) body.set('client_id', settings.client_id);
        if (settings.client_secret) body.set('client_secret', settings.client_secret);
        const res = await post(auth.token_url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: body.toString(),
        });
        const parsed = tokenAnswer.safeParse(res.ok ? await res.json().catch(() => undefined) : undefined);
        if (!parsed.success) return false;
        access = parsed.data.access_token;
        refreshToken = parsed.data.refresh_token ?? refreshToken;
        await onTokens?.({
          access_token: access,
          ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
          ...(parsed.data.expires_in != null ? { expires_in: parsed.data.expires_in } : {}),
        });
        return true;
      };
      return session;
    }
    case 'none':
      return { apply: () => {}, refresh: async () => false };
  }
}

function bearer(token: () => string): AuthSession {
  return { apply: (_url, headers) => headers.set('Authorization', `Bearer ${token()}`), refresh: async () => false };
}

/** The config key a 401 points at, for the error line (`check connectors.acme.api_key`). */
export function credentialHint(definition: Definition): string {
  const [first] = credentialNeeds(definition.auth);
  return first === undefined ? 'the API refused the request' : `check connectors.${definition.name}.${first.key}`;
}
