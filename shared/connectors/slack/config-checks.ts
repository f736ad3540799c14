/**
 * The checks of a `connectors.slack` section that span keys: notification channels, event types
 * and templates (a broken template is refused here), and the summaries' channels. The config
 * loader calls them through the Slack descriptor.
 */
import { joinPath } from '../../core/config/issues';
import { formatPath } from '../../core/config/path';
import type { SlackConnectorConfig } from './config-schema';
import { resolveChannel, validateNotificationsConfig } from './notifications/routing';

type Issue = { path: string; message: string };

export function slackSectionIssues(slack: SlackConnectorConfig, base: string): Issue[] {
  return [...validateNotificationsConfig(slack, { path: base }), ...summaryChannelIssues(slack, base)];
}

/** Summary channels resolve like notification channels: a name in `channels`, or a channel id. */
function summaryChannelIssues(slack: SlackConnectorConfig, base: string): Issue[] {
  const summaries = slack.summaries;
  if (!summaries) return [];
  const issues: Issue[] = [];
  const known = Object.keys(slack.channels);
  for (const kind of ['daily', 'weekly'] as const) {
    const ref = summaries[kind]?.channel;
    if (ref === undefined || resolveChannel(ref, slack.channels) !== undefined) continue;
    issues.push({
      path: joinPath(base, formatPath(['summaries', kind, 'channel'])),
      message: `channel "${ref}" is not in connectors.slack.channels (${known.length ? `known: ${known.join(', ')}` : 'none defined'}) and is not a channel id (C…/G…)`,
    });
  }
  return issues;
}
