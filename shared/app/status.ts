/**
 * The status of a connection as the CLI (--json) and the management API report it: whatever its
 * connector, its descriptor's status hook reads the fields (connectors/<name>/status.ts); what
 * every status shares is in core/connection-status.ts.
 */

import { resolveConnection } from '../connectors';
import type { StatusDeps } from '../core/connection-status';
import type { ConnectionStore, ConnectorName } from '../core/ports';

export { type NotionStatus, notionStatus, type ResumeView, resumeView } from '../connectors/notion/status';
export {
  type SlackDeliveriesView,
  type SlackDeliveryView,
  type SlackStatus,
  slackStatus,
} from '../connectors/slack/status';
export type {
  ConnectionHealthView,
  LastErrors,
  LastSync,
  NextRun,
  StatusDeps,
} from '../core/connection-status';

/**
 * Status of a tenant's stored connection, any connector the registry resolves (connected: false
 * when there is none). `settings` describe it when given (a config's section), else the record's.
 */
export async function connectorStatus(
  deps: StatusDeps & { connections: ConnectionStore },
  tenantId: string,
  connector: ConnectorName,
  settings?: unknown,
): Promise<{ connector: string }> {
  const { status } = resolveConnection(connector);
  const record = await deps.connections.getConnection(tenantId, connector);
  return (await status.read(deps, tenantId, settings ?? record?.settings, record)) as { connector: string };
}
