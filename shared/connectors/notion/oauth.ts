/**
 * Notion's OAuth 2.0 endpoints for a public connection (reference/notion.md §8): the authorize URL
 * a tenant admin opens, and `POST /v1/oauth/token` (HTTP Basic client_id:client_secret) for the
 * code exchange and for refreshes. Refresh tokens roll: the one sent is invalid afterwards, so the
 * answer's pair must be stored before anything else happens.
 */
import { z } from 'zod';
import { ProviderError, UnreachableError } from '../../core/errors';
import { describeNetworkError } from '../../core/http/paced-fetch';
import { NOTION_DEFAULT_BASE_URL } from './client';

export const NOTION_AUTHORIZE_URL = `${NOTION_DEFAULT_BASE_URL}/v1/oauth/authorize`;

/** The app a deployment installs: a Notion public connection's credentials. */
export interface NotionOAuthClient {
  clientId: string;
  clientSecret: string;
}

export const notionTokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  refresh_token: z.string().min(1).nullish(),
  bot_id: z.string().min(1),
  workspace_id: z.string().min(1),
  workspace_name: z.string().nullish(),
  workspace_icon: z.string().nullish(),
  owner: z
    .union([
      z.looseObject({
        type: z.literal('user'),
        user: z.looseObject({ id: z.string(), name: z.string().nullish() }),
      }),
      z.looseObject({ type: z.literal('workspace'), workspace: z.literal(true) }),
    ])
    .optional(),
  duplicated_template_id: z.string().nullish(),
  // Not documented for Notion (reference/notion.md §8: lifetime UNVERIFIED); used when present.
  expires_in: z.number().positive().optional(),
});
export type NotionTokenResponse = z.infer<typeof notionTokenResponseSchema>;

/** The authorize URL: Notion shows its consent page, then redirects to `redirectUri` with code and state. */
export function notionAuthorizeUrl(args: {
  authorizeUrl?: string;
  clientId: string;
  redirectUri: string;
  state: string;
}): string {
  const url = new URL(args.authorizeUrl ?? NOTION_AUTHORIZE_URL);
  url.searchParams.set('client_id', args.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('owner', 'user');
  url.searchParams.set('redirect_uri', args.redirectUri);
  url.searchParams.set('state', args.state);
  return url.toString();
}

/** Exchanges an authorization code; `redirectUri` must be the authorize URL's. */
export function exchangeNotionCode(
  args: NotionOAuthClient & { baseUrl?: string; code: string; redirectUri: string },
): Promise<NotionTokenResponse> {
  return tokenRequest(args, { grant_type: 'authorization_code', code: args.code, redirect_uri: args.redirectUri });
}

/** Trades a refresh token for a new pair (the one sent stops working). */
export function refreshNotionToken(
  args: NotionOAuthClient & { baseUrl?: string; refreshToken: string },
): Promise<NotionTokenResponse> {
  return tokenRequest(args, { grant_type: 'refresh_token', refresh_token: args.refreshToken });
}

/**
 * Notion answers OAuth errors either the OAuth way (`{error, error_description}`) or its API way
 * (`{object: "error", code, message}`): both are read.
 */
const oauthErrorSchema = z.looseObject({
  error: z.string().optional(),
  error_description: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});

async function tokenRequest(
  args: NotionOAuthClient & { baseUrl?: string },
  body: Record<string, string>,
): Promise<NotionTokenResponse> {
  const url = `${(args.baseUrl ?? NOTION_DEFAULT_BASE_URL).replace(/\/$/, '')}/v1/oauth/token`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${args.clientId}:${args.clientSecret}`).toString('base64')}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    throw new UnreachableError('notion', new URL(url).origin, describeNetworkError(err));
  }
  const json = (await res.json().catch(() => undefined)) as unknown;
  if (res.ok) {
    const parsed = notionTokenResponseSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    throw new ProviderError(
      'notion',
      res.status,
      'bad_token_response',
      'Notion answered the token request without the expected fields',
    );
  }
  const err = oauthErrorSchema.safeParse(json);
  const code = (err.success ? (err.data.error ?? err.data.code) : undefined) ?? `http_${res.status}`;
  const detail = err.success ? (err.data.error_description ?? err.data.message) : undefined;
  throw new ProviderError('notion', res.status, code, explainNotionOAuthError(code, detail, body.grant_type));
}

function explainNotionOAuthError(code: string, detail: string | undefined, grant: string | undefined): string {
  const suffix = detail ? ` (${detail})` : '';
  switch (code) {
    case 'invalid_client':
    case 'unauthorized':
      return `Notion refused the app's credentials (invalid_client): check the Notion OAuth client id and secret${suffix}`;
    case 'invalid_grant':
      return grant === 'refresh_token'
        ? `Notion refused the refresh token (invalid_grant): the connection must be authorized again${suffix}`
        : `Notion refused the authorization code (invalid_grant): it expired, was used already, or the redirect URI differs; start the install again${suffix}`;
    default:
      return `Notion token request failed (${code})${suffix}`;
  }
}
