/**
 * A definition-backed connection's record, as the webhook door and worker read it: its normalized
 * definition (kept in the record's settings when it is connected, so a Lambda never reads a file)
 * and the reference of its webhook signing secret.
 *
 * PLACEHOLDER until connect lands (issue 14, sync): the plan is `settings.definition` holding the
 * normalized definition object and the signing secret (the config key `signature.secret` names:
 * Shopify's api_secret, Stripe's webhook_secret) stored like Slack's signing secret, its reference in
 * `signingSecretRef`. The lead reconciles this file with connect's own `definitionOf`.
 */
import type { ConnectionRecord } from '../../core/ports';
import { type Definition, normalizeDefinition } from './definition/schema';

/** Parsed once per stored object: the door reads a cached record on every delivery. */
const parsed = new WeakMap<object, Definition>();

/**
 * The definition a connection was made with, or undefined for a connection that has none (a
 * built-in connector's). A stored definition that no longer validates throws a DefinitionError.
 */
export function definitionOf(record: ConnectionRecord<string>): Definition | undefined {
  const stored = (record.settings as { definition?: unknown }).definition;
  if (stored === null || typeof stored !== 'object') return undefined;
  const known = parsed.get(stored);
  if (known !== undefined) return known;
  const definition = normalizeDefinition(stored, `${record.connector}'s stored definition`);
  parsed.set(stored, definition);
  return definition;
}

/** Where the connection's webhook signing secret is (the secret store's reference), if it has one. */
export function webhookSecretRef(record: ConnectionRecord<string>): string | undefined {
  return record.signingSecretRef;
}
