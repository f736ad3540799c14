/**
 * `log_events`: inbound events of a connector (Slack events and interactions, Notion webhooks,
 * Brevo webhooks) logged as they arrive, redacted like every request line. Which connector a route
 * belongs to is its descriptor's (inboundRoutePrefix); which connectors are logged comes from TAJO_LOG_EVENTS
 * (set from the config by the local stack, from the deployment's context in AWS).
 */
import type { Provider } from '../errors';
import { PROVIDERS } from './api-calls';

/** `slack,notion` → the set; unknown names are ignored. */
export function parseEventLogSpec(value: string | undefined): ReadonlySet<Provider> {
  const names = (value ?? '').split(',').map((s) => s.trim());
  return new Set(PROVIDERS.filter((p) => names.includes(p)));
}

/** The spec for a list of connectors (loggingSettings().events), empty when none. */
export function eventLogSpec(events: readonly Provider[] | undefined): string {
  return (events ?? []).join(',');
}
