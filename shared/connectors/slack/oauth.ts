/**
 * Slack's OAuth v2 (reference/slack.md §8): the install URL of the deployment's distributed app and
 * `oauth.v2.access`, for the code exchange (code valid 10 minutes; the same redirect_uri as the
 * authorize step) and for token rotation (`grant_type=refresh_token`: a new access token for 12 h
 * and a new refresh token; the old refresh token is revoked). Client credentials go in the form.
 */
import { z } from 'zod';
import { UnreachableError } from '../../core/errors';
import { describeNetworkError } from '../../core/http/paced-fetch';
import { SLACK_DEFAULT_API_URL, SlackApiError } from './client';

export const SLACK_AUTHORIZE_URL = 'https://slack.com/oauth/v2/authorize';

export interface SlackOAuthClient {
  clientId: string;
  clientSecret: string;
}

const named = z.looseObject({ id: z.string().min(1), name: z.string().nullish() });

export const slackAccessResponseSchema = z.looseObject({
  ok: z.literal(true),
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  scope: z.string().default(''),
  bot_user_id: z.string().optional(),
  app_id: z.string().optional(),
  // Null for an org-wide (Enterprise Grid) install; absent from refresh answers.
  team: named.nullish(),
  enterprise: named.nullish(),
  is_enterprise_install: z.boolean().optional(),
  authed_user: z.looseObject({ id: z.string() }).nullish(),
  // With token rotation on.
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
});
export type SlackAccessResponse = z.infer<typeof slackAccessResponseSchema>;

export function slackAuthorizeUrl(args: {
  authorizeUrl?: string;
  clientId: string;
  scopes: string[];
  redirectUri: string;
  state: string;
}): string {
  const url = new URL(args.authorizeUrl ?? SLACK_AUTHORIZE_URL);
  url.searchParams.set('client_id', args.clientId);
  url.searchParams.set('scope', args.scopes.join(','));
  url.searchParams.set('redirect_uri', args.redirectUri);
  url.searchParams.set('state', args.state);
  return url.toString();
}

export function exchangeSlackCode(
  args: SlackOAuthClient & { apiUrl?: string; code: string; redirectUri: string },
): Promise<SlackAccessResponse> {
  return access(args, { code: args.code, redirect_uri: args.redirectUri });
}

export function refreshSlackToken(
  args: SlackOAuthClient & { apiUrl?: string; refreshToken: string },
): Promise<SlackAccessResponse> {
  return access(args, { grant_type: 'refresh_token', refresh_token: args.refreshToken });
}

async function access(
  args: SlackOAuthClient & { apiUrl?: string },
  fields: Record<string, string>,
): Promise<SlackAccessResponse> {
  const url = `${(args.apiUrl ?? SLACK_DEFAULT_API_URL).replace(/\/?$/, '/')}oauth.v2.access`;
  const form = new URLSearchParams({ client_id: args.clientId, client_secret: args.clientSecret, ...fields });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    throw new UnreachableError('slack', new URL(url).origin, describeNetworkError(err));
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (body.ok !== true) {
    throw new SlackApiError('oauth.v2.access', typeof body.error === 'string' ? body.error : `http_${res.status}`);
  }
  return slackAccessResponseSchema.parse(body);
}
