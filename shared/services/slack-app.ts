/**
 * The deployment's distributed Slack app: one set of credentials for the whole deployment, in the
 * secret store under the reference the stack puts in `ENV.slackAppSecret` (Secrets Manager in AWS,
 * the file store locally). Its value is JSON: the signing secret verifies `POST /slack/events` and
 * `POST /slack/interactions`; the client id and secret are for the OAuth install.
 */
import { z } from 'zod';
import type { Clock, SecretStore } from '../ports';

export const slackAppSecretSchema = z.object({
  signing_secret: z.string().min(1),
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
});
export type SlackAppCredentials = z.infer<typeof slackAppSecretSchema>;

/**
 * Every Slack request of the app is verified with this secret inside Slack's 3-second ack budget,
 * so a warm container reads it once every few minutes, not once a request. A rotated signing secret
 * is picked up within this time (Slack signs with the new one at once: requests in between get 401
 * and Slack's retries land after the cache has expired).
 */
export const SLACK_APP_CACHE_MS = 5 * 60_000;

export type SlackAppCredentialsSource = () => Promise<SlackAppCredentials | undefined>;

/**
 * A cached reader of the app's credentials. Undefined when the deployment has no app (no reference)
 * or its secret is not usable yet (the stack's placeholder, or malformed JSON): the app's routes
 * then refuse every request. Unusable values are not cached, so ops' fix takes effect on the next
 * request; errors of the secret store itself propagate (the request fails and Slack retries).
 */
export function slackAppCredentials(
  deps: { secrets: SecretStore; clock: Clock; log?: (message: string, data: Record<string, unknown>) => void },
  ref: string | undefined,
  cacheMs: number = SLACK_APP_CACHE_MS,
): SlackAppCredentialsSource {
  let cached: { value: SlackAppCredentials; until: number } | undefined;
  return async () => {
    if (!ref) return undefined;
    const now = deps.clock.now();
    if (cached && cached.until > now) return cached.value;
    const raw = await deps.secrets.get(ref);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const result = slackAppSecretSchema.safeParse(parsed);
    if (!result.success) {
      // Never the value: it may be a real secret in the wrong shape.
      deps.log?.('the Slack app secret is not {signing_secret, client_id?, client_secret?} JSON: replace its value', {
        ref,
        issues: result.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`),
      });
      return undefined;
    }
    cached = { value: result.data, until: now + cacheMs };
    return result.data;
  };
}
