/**
 * One message for a burst of notifications (instead of flooding a channel): counts per type, up to
 * 10 sample lines and "…and N more", always within Slack's limits whatever the number of events.
 */
import {
  NOTIFICATION_EVENT_TYPES,
  type NotificationEvent,
  type NotificationEventType,
} from '../../../core/events/events';
import {
  formatUtc,
  type MrkdwnText,
  type SlackBlock,
  type SlackMessage,
  summarizeEvent,
  truncate,
} from './render-notification';
import { SLACK_LIMITS } from './templates';

export const DIGEST_TYPE_LABELS: Record<NotificationEventType, string> = {
  new_subscriber: '🆕 New subscribers',
  campaign_sent: '📣 Campaigns sent',
  order_placed: '🛒 Orders',
  cart_abandoned: '⏳ Abandoned carts',
  ticket_created: '🎫 Tickets',
  unsubscribed: '👋 Unsubscribes',
  hard_bounce: '⚠️ Hard bounces',
  spam: '🚫 Spam complaints',
  contact_updated: '✏️ Contacts updated',
  custom: '🔔 Other',
};

export interface DigestOptions {
  channelId: string;
  /** ISO date-times bounding the burst. */
  windowStart: string;
  windowEnd: string;
  /** Sample lines shown (default 10, at most 10). */
  maxSamples?: number;
  brevoBaseUrl?: string;
}

export interface DigestMessage extends SlackMessage {
  channel: string;
  /** Distinct events summarised (duplicates by id count once). */
  count: number;
}

const SAMPLE_LINE_MAX = 280;

function slackDate(iso: string, format: string): string {
  const unix = Math.floor(new Date(iso).getTime() / 1000);
  return Number.isFinite(unix) ? `<!date^${unix}^${format}|${formatUtc(iso)}>` : iso;
}

export function buildDigest(events: readonly NotificationEvent[], options: DigestOptions): DigestMessage {
  const seen = new Set<string>();
  const unique: NotificationEvent[] = [];
  for (const e of events) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    unique.push(e);
  }
  const n = unique.length;
  const counts = new Map<NotificationEventType, number>();
  for (const e of unique) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const perType = NOTIFICATION_EVENT_TYPES.filter((t) => counts.has(t)).map((t) => [t, counts.get(t) ?? 0] as const);

  const window = `${formatUtc(options.windowStart)} – ${formatUtc(options.windowEnd)}`;
  const summary = perType
    .map(([t, c]) => `${c} ${DIGEST_TYPE_LABELS[t].replace(/^\S+\s/, '').toLowerCase()}`)
    .join(', ');
  const text = truncate(
    n === 0
      ? `No Brevo notifications (${window})`
      : `${n} Brevo notification${n === 1 ? '' : 's'} (${window}): ${summary}`,
    SLACK_LIMITS.fallbackText,
  );

  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`📬 ${n} notification${n === 1 ? '' : 's'} in this window`, SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
  ];
  if (perType.length) {
    const fields: MrkdwnText[] = perType
      .slice(0, SLACK_LIMITS.sectionFields)
      .map(([t, c]) => ({ type: 'mrkdwn', text: `*${DIGEST_TYPE_LABELS[t]}*\n${c}` }));
    blocks.push({ type: 'section', fields });
  }

  const maxSamples = Math.max(0, Math.min(options.maxSamples ?? 10, 10));
  const samples = [...unique]
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))
    .slice(0, maxSamples)
    .map((e) => `• ${truncate(summarizeEvent(e, { brevoBaseUrl: options.brevoBaseUrl }), SAMPLE_LINE_MAX)}`);
  if (samples.length) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(samples.join('\n'), SLACK_LIMITS.sectionText) },
    });
  }
  const more = n - samples.length;
  const contextBits = [
    `${slackDate(options.windowStart, '{date_short_pretty} {time}')} – ${slackDate(options.windowEnd, '{time}')}`,
  ];
  if (more > 0) contextBits.unshift(`…and ${more} more`);
  blocks.push({ type: 'context', elements: contextBits.map((t) => ({ type: 'mrkdwn', text: t })) });

  return { channel: options.channelId, count: n, text, blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}
