/**
 * The Notion public connection's credentials (`ENV.notionAppSecret`, JSON in the secret store):
 * client id and secret (and redirect URI) for the OAuth install and the token refreshes.
 */
import { z } from 'zod';
import { type AppCredentialsDeps, type AppCredentialsSource, appCredentials } from '../../core/tenancy/app-credentials';

export const notionAppSecretSchema = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  /** The redirect URI registered with the connection; default: this deployment's `/oauth/notion/callback`. */
  redirect_uri: z.url().optional(),
});
export type NotionAppCredentials = z.infer<typeof notionAppSecretSchema>;

export type NotionAppCredentialsSource = AppCredentialsSource<NotionAppCredentials>;

/** Read at most every 5 minutes by a warm container (as the Slack app's): a rotation lands within it. */
export const NOTION_APP_CACHE_MS = 5 * 60_000;

export function notionAppCredentials(
  deps: AppCredentialsDeps,
  ref: string | undefined,
  cacheMs: number = NOTION_APP_CACHE_MS,
): NotionAppCredentialsSource {
  return appCredentials(deps, ref, notionAppSecretSchema, '{client_id, client_secret, redirect_uri?}', cacheMs);
}
