/**
 * A deployment's app credentials (one set per deployment and provider: the distributed Slack app,
 * the Notion public connection), each a JSON secret in the secret store under the reference the
 * stack puts in the environment (Secrets Manager in AWS, the file store locally), read and cached.
 */
import type { z } from 'zod';
import { parseJsonAs } from '../json';
import type { Clock, SecretStore } from '../ports';

export type AppCredentialsSource<T> = () => Promise<T | undefined>;

export type AppCredentialsDeps = {
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
export function appCredentials<T>(
  deps: AppCredentialsDeps,
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
