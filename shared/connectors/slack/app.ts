/**
 * The deployment's apps: one set of credentials per deployment and provider, each in the secret
 * store under the reference the stack puts in the environment (Secrets Manager in AWS, the file
 * store locally), as JSON.
 * - The distributed Slack app (`ENV.slackAppSecret`): the signing secret verifies `POST /slack/events`
 *   and `POST /slack/interactions`; the client id and secret, redirect URI and bot scopes serve the
 *   OAuth v2 install and token rotation.
 * - The Notion public connection (`ENV.notionAppSecret`): client id and secret (and redirect URI)
 *   for the OAuth install and the token refreshes.
 */
import { z } from 'zod';
import { parseJsonAs } from '../../core/json';
import type { Clock, SecretStore } from '../../core/ports';

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

export const notionAppSecretSchema = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  /** The redirect URI registered with the connection; default: this deployment's `/oauth/notion/callback`. */
  redirect_uri: z.url().optional(),
});
export type NotionAppCredentials = z.infer<typeof notionAppSecretSchema>;

/**
 * Every Slack request of the app is verified with this secret inside Slack's 3-second ack budget,
 * so a warm container reads it once every few minutes, not once a request. A rotated signing secret
 * is picked up within this time (Slack signs with the new one at once: requests in between get 401
 * and Slack's retries land after the cache has expired).
 */
export const SLACK_APP_CACHE_MS = 5 * 60_000;

export type AppCredentialsSource<T> = () => Promise<T | undefined>;
export type SlackAppCredentialsSource = AppCredentialsSource<SlackAppCredentials>;
export type NotionAppCredentialsSource = AppCredentialsSource<NotionAppCredentials>;

type SourceDeps = {
  secrets: SecretStore;
  clock: Clock;
  log?: (message: string, data: Record<string, unknown>) => void;
};

/**
 * A cached reader of one app secret. Undefined when the deployment has no such app (no reference)
 * or its secret is not usable yet (the stack's placeholder, or malformed JSON): what needs the app
 * then refuses. Unusable values are not cached, so ops' fix takes effect on the next request;
 * errors of the secret store itself propagate.
 */
function appCredentials<T>(
  deps: SourceDeps,
  ref: string | undefined,
  schema: z.ZodType<T>,
  shape: string,
  cacheMs: number,
): AppCredentialsSource<T> {
  let cached: { value: T; until: number } | undefined;
  return async () => {
    if (!ref) return undefined;
    const now = deps.clock.now();
    if (cached && cached.until > now) return cached.value;
    const result = parseJsonAs(schema, await deps.secrets.get(ref));
    if (!result.success) {
      // Never the value: it may be a real secret in the wrong shape.
      deps.log?.(`the app secret is not ${shape} JSON: replace its value`, {
        ref,
        issues: result.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`),
      });
      return undefined;
    }
    cached = { value: result.data, until: now + cacheMs };
    return result.data;
  };
}

export function slackAppCredentials(
  deps: SourceDeps,
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

export function notionAppCredentials(
  deps: SourceDeps,
  ref: string | undefined,
  cacheMs: number = SLACK_APP_CACHE_MS,
): NotionAppCredentialsSource {
  return appCredentials(deps, ref, notionAppSecretSchema, '{client_id, client_secret, redirect_uri?}', cacheMs);
}

/** The deployment's OAuth apps, as the OAuth routes and the token refreshers read them. */
export interface OAuthApps {
  notion: NotionAppCredentialsSource;
  slack: SlackAppCredentialsSource;
}
