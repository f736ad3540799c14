/**
 * The distributed Slack app's credentials (`ENV.slackAppSecret`, JSON in the secret store): the
 * signing secret verifies `POST /slack/events` and `POST /slack/interactions`; the client id and
 * secret, redirect URI and bot scopes serve the OAuth v2 install and token rotation.
 */
import { z } from 'zod';
import { type AppCredentialsDeps, type AppCredentialsSource, appCredentials } from '../../core/tenancy/app-credentials';

/** Bot scopes the install asks for by default: post, and read members with their emails. */
/**
 * The bot scopes the product docs list for the Slack connector: with them every feature runs and
 * `tajo connectors test slack` passes its five checks (team:read is optional).
 */
export const DEFAULT_SLACK_BOT_SCOPES = [
  'chat:write',
  'channels:read',
  'channels:history',
  'users:read',
  'users:read.email',
  'reactions:write',
  'files:write',
];

const scopeList = z
  .union([z.array(z.string().min(1)), z.string().transform((s) => s.split(',').map((x) => x.trim()))])
  .pipe(z.array(z.string().min(1)).min(1));

export const slackAppSecretSchema = z.object({
  signing_secret: z.string().min(1),
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
  /** The OAuth redirect URL registered in the app; default: this deployment's `/oauth/slack/callback`. */
  redirect_uri: z.url().optional(),
  /** Bot scopes of the install (array or comma-separated); default DEFAULT_SLACK_BOT_SCOPES. */
  scopes: scopeList.optional(),
});
export type SlackAppCredentials = z.infer<typeof slackAppSecretSchema>;

/**
 * Every Slack request of the app is verified with this secret inside Slack's 3-second ack budget,
 * so a warm container reads it once every few minutes, not once a request. A rotated signing secret
 * is picked up within this time (Slack signs with the new one at once: requests in between get 401
 * and Slack's retries land after the cache has expired).
 */
export const SLACK_APP_CACHE_MS = 5 * 60_000;

export type SlackAppCredentialsSource = AppCredentialsSource<SlackAppCredentials>;

export function slackAppCredentials(
  deps: AppCredentialsDeps,
  ref: string | undefined,
  cacheMs: number = SLACK_APP_CACHE_MS,
): SlackAppCredentialsSource {
  return appCredentials(
    deps,
    ref,
    slackAppSecretSchema,
    '{signing_secret, client_id?, client_secret?, redirect_uri?, scopes?}',
    cacheMs,
  );
}
