/**
 * `log_events`: inbound events of a connector (Slack events and interactions, Notion webhooks,
 * Brevo webhooks) logged as they arrive, redacted like every request line. Which connector a route
 * belongs to is read from its route key; which connectors are logged comes from TAJO_LOG_EVENTS
 * (set from the config by the local stack, from the deployment's context in AWS).
 */
import type { Provider } from '../errors';
import { PROVIDERS } from './api-calls';

/** The connector whose inbound events arrive on this route (API Gateway route key), if any. */
export function eventSource(routeKey: string): Provider | undefined {
  if (routeKey.startsWith('POST /slack/')) return 'slack';
  if (routeKey.startsWith('POST /webhooks/notion/')) return 'notion';
  if (routeKey.startsWith('POST /webhooks/brevo/')) return 'brevo';
  return undefined;
}

/** `slack,notion` → the set; unknown names are ignored. */
export function parseEventLogSpec(value: string | undefined): ReadonlySet<Provider> {
  const names = (value ?? '').split(',').map((s) => s.trim());
  return new Set(PROVIDERS.filter((p) => names.includes(p)));
}

/** The spec for a list of connectors (loggingSettings().events), empty when none. */
export function eventLogSpec(events: readonly Provider[] | undefined): string {
  return (events ?? []).join(',');
}
