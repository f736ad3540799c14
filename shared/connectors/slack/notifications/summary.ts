/**
 * The daily/weekly marketing summary as a Slack message: a header, the period's figures as fields,
 * one line per sent campaign with its rates, a note on how unsubscribes are counted, and a "View
 * in Brevo" button. Pure: figures in, Block Kit out, always within Slack's limits (50 blocks, 3000
 * characters a section, our 12,000-character total) and always with a fallback text. Many
 * campaigns collapse into "…and N more".
 */
import type { CampaignFigures } from '../../../core/brevo/campaigns';
import type { SummaryKind } from './periods';
import { escapeMrkdwn, type MrkdwnText, type SlackBlock, type SlackMessage, truncate } from './render-notification';
import { DEFAULT_BREVO_APP_URL, SLACK_LIMITS } from './templates';

export interface SummaryFigures {
  kind: SummaryKind;
  /** "Saturday, 21 November 2026" or "16 – 22 November 2026". */
  periodLabel: string;
  timezone: string;
  newContacts: number;
  /** Contacts blacklisted for email whose last change is in the period (Brevo has no unsubscribe log). */
  unsubscribes: number;
  /** False when the contact scan stopped early: the two counts above are lower bounds. */
  contactsComplete: boolean;
  campaigns: CampaignFigures[];
}

export interface SummaryOptions {
  /** Brevo's web app (default https://app.brevo.com), for the button and the campaign links. */
  brevoAppUrl?: string;
  /** Campaign lines shown before "…and N more" (default 15). */
  maxCampaignLines?: number;
}

/** One campaign line stays short enough for a phone screen and for the block budget. */
const CAMPAIGN_LINE_MAX = 400;
/** Campaign lines all together: leaves room in the 12,000-character total for the rest. */
const CAMPAIGN_LINES_BUDGET = 9000;

export const UNSUBSCRIBE_NOTE =
  "Unsubscribes are approximate: Brevo's API has no unsubscribe log, so this counts contacts now blacklisted for email whose last change falls in the period.";

const int = new Intl.NumberFormat('en-US');

function pct(part: number, whole: number): string {
  if (whole <= 0) return '–';
  return `${(Math.round((part / whole) * 1000) / 10).toFixed(1)}%`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${int.format(n)} ${n === 1 ? one : many}`;
}

/** Campaign report page. UNVERIFIED path, the same one the notification templates link. */
function campaignUrl(app: string, id: number): string {
  return `${app}/camp/report/${encodeURIComponent(String(id))}`;
}

/** A link label may not contain `|` or `>` (they end it), nor newlines. */
function linkLabel(name: string): string {
  return escapeMrkdwn(name.replace(/[\r\n]+/g, ' ').replace(/\|/g, '¦')).trim() || 'Untitled campaign';
}

export function campaignLine(c: CampaignFigures, app: string): string {
  const name = truncate(linkLabel(c.name), 120);
  const figures = [
    `${int.format(c.sent)} sent`,
    `${pct(c.delivered, c.sent)} delivered`,
    `${pct(c.uniqueOpens, c.delivered)} opened`,
    `${pct(c.uniqueClicks, c.delivered)} clicked`,
    plural(c.unsubscriptions, 'unsubscribe'),
    plural(c.hardBounces, 'hard bounce'),
  ].join(' · ');
  return truncate(`• *<${campaignUrl(app, c.id)}|${name}>*: ${figures}`, CAMPAIGN_LINE_MAX);
}

export function buildSummaryMessage(f: SummaryFigures, options: SummaryOptions = {}): SlackMessage {
  const app = (options.brevoAppUrl ?? DEFAULT_BREVO_APP_URL).replace(/\/+$/, '');
  const maxLines = Math.max(0, options.maxCampaignLines ?? 15);
  const title = f.kind === 'daily' ? 'Daily marketing summary' : 'Weekly marketing summary';
  const sum = (key: 'sent' | 'delivered' | 'uniqueOpens' | 'uniqueClicks' | 'unsubscriptions') =>
    f.campaigns.reduce((n, c) => n + c[key], 0);
  const sent = sum('sent');
  const delivered = sum('delivered');
  const opens = sum('uniqueOpens');
  const clicks = sum('uniqueClicks');
  const atLeast = f.contactsComplete ? '' : '≥ ';

  const text = truncate(
    `${title}, ${f.periodLabel}: ${atLeast}${plural(f.newContacts, 'new contact')}, ${atLeast}${plural(f.unsubscribes, 'unsubscribe')} (approx.), ${plural(f.campaigns.length, 'campaign')} sent` +
      (f.campaigns.length > 0 ? ` (${int.format(sent)} emails, ${pct(opens, delivered)} opened)` : ''),
    SLACK_LIMITS.fallbackText,
  );

  const fields: MrkdwnText[] = [
    { type: 'mrkdwn', text: `*🆕 New contacts*\n${atLeast}${int.format(f.newContacts)}` },
    { type: 'mrkdwn', text: `*👋 Unsubscribes (approx.)*\n${atLeast}${int.format(f.unsubscribes)}` },
    { type: 'mrkdwn', text: `*📣 Campaigns sent*\n${int.format(f.campaigns.length)}` },
  ];
  if (f.campaigns.length > 0) {
    fields.push(
      { type: 'mrkdwn', text: `*✉️ Emails delivered*\n${int.format(delivered)} of ${int.format(sent)}` },
      { type: 'mrkdwn', text: `*👀 Unique opens*\n${int.format(opens)} (${pct(opens, delivered)})` },
      { type: 'mrkdwn', text: `*🖱️ Unique clicks*\n${int.format(clicks)} (${pct(clicks, delivered)})` },
      { type: 'mrkdwn', text: `*🚪 Campaign unsubscribes*\n${int.format(sum('unsubscriptions'))}` },
    );
  }

  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`📊 ${title}: ${f.periodLabel}`, SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
    { type: 'section', fields: fields.slice(0, SLACK_LIMITS.sectionFields) },
  ];

  // Campaign lines, packed into sections of at most 3000 characters, within the line budget and
  // leaving blocks for the "more" line, the context and the button.
  const lines: string[] = [];
  let budget = CAMPAIGN_LINES_BUDGET;
  for (const c of f.campaigns) {
    if (lines.length >= maxLines) break;
    const line = campaignLine(c, app);
    if (line.length + 1 > budget) break;
    budget -= line.length + 1;
    lines.push(line);
  }
  // Blocks left after the "…and N more" context, the notes and the button.
  const maxSections = SLACK_LIMITS.blocksPerMessage - blocks.length - 3;
  let sections = 0;
  let section = '';
  let shown = 0;
  for (const line of lines) {
    if (section && section.length + 1 + line.length > SLACK_LIMITS.sectionText) {
      if (sections + 2 > maxSections) break;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section } });
      sections += 1;
      section = line;
    } else section = section ? `${section}\n${line}` : line;
    shown += 1;
  }
  if (section) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section } });
  const more = f.campaigns.length - shown;
  if (more > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${plural(more, 'more campaign')} (see Brevo)` }],
    });
  }

  const notes = [UNSUBSCRIBE_NOTE, `Days in ${escapeMrkdwn(f.timezone)}.`];
  if (!f.contactsComplete)
    notes.unshift('Contact counts are lower bounds: too many contacts changed to read them all.');
  blocks.push({ type: 'context', elements: notes.map((t) => ({ type: 'mrkdwn', text: truncate(t, 2000) })) });
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: 'View in Brevo' },
        url: `${app}/camp/listing`,
        action_id: 'summary_view_in_brevo',
      },
    ],
  });
  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}
