/**
 * How a provider's answer is read: through a zod schema that follows the provider's published
 * schema (lenient where it is: null or missing optional fields, extra fields, new enum values), and,
 * when a field we need to do the job is missing after all, a one-line ProviderError naming that
 * field. A raw zod issue list never reaches a user or a run record.
 */
import { z } from 'zod';
import { formatPath } from '../config/path';
import { type Provider, ProviderError } from '../errors';

const PROVIDER_NAMES: Record<Provider, string> = {
  notion: 'Notion',
  brevo: 'Brevo',
  slack: 'Slack',
  platform: 'The platform',
};

/**
 * An optional field as providers send it: absent, null (which their schemas allow for many
 * optional fields) or a value. Null reads as absent, so callers see `T | undefined` only.
 */
export function maybe<S extends z.ZodType>(schema: S) {
  return z.preprocess((v) => (v === null ? undefined : v), schema.optional());
}

/** One line saying which field is wrong and how (the first issue; the count of the others). */
export function issueSummary(error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  if (!first) return 'invalid';
  const where = first.path.length > 0 ? `${formatPath(first.path)}: ` : '';
  // zod messages are one line already; newlines are flattened in case a custom one is not.
  const message = first.message.replace(/\s+/g, ' ').trim();
  return `${where}${message}${rest.length > 0 ? ` (and ${rest.length} more)` : ''}`;
}

/**
 * `json` read through `schema`, or a ProviderError (code `unexpected_answer`) whose message says
 * which provider answered what, the field that does not fit, and that the answer was not used.
 */
export function readAnswer<S extends z.ZodType>(
  provider: Provider,
  what: string,
  schema: S,
  json: unknown,
): z.output<S> {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new ProviderError(
    provider,
    200,
    'unexpected_answer',
    `${PROVIDER_NAMES[provider]} answered ${what} without a field we need (${issueSummary(parsed.error)}); nothing was done with the answer`,
  );
}
