/**
 * `tajo.slack.notify` on the server (POST /tenants/{t}/slack/notify): a caller's notification is
 * checked (the channel an alias of connectors.slack.channels or a channel id, its Block Kit with
 * paths), rendered (the caller's blocks with their {{placeholders}} filled from data, or the
 * connection's routed template for the event with the call's data as its fields, as a Brevo event's
 * notification is) and queued in the Slack lane: the
 * same queue and worker as the routed notifications (1 post/s per channel, retries, 429 +
 * Retry-After, threads, at most once on redelivery, the delivery record status shows). Answered with
 * the notificationId the delivery record carries.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { formatPath } from '../../core/config/path';
import { InvalidRequestError, RequestRefusedError } from '../../core/errors';
import { newStats } from '../../core/http/paced-fetch';
import type { Clock, ConnectionStore, LaneQueue, SecretStore } from '../../core/ports';
import { readAccessToken } from '../../core/tenancy/oauth-tokens';
import { SlackClient } from './client';
import { type Block, blocksSchema } from './notifications/block-kit';
import { notificationKey, type SlackLaneMessage, slackLaneGroupId } from './notifications/lane-messages';
import { parseNotificationsConfig, resolveChannel } from './notifications/routing';
import { fillTemplateBlocks, fillTemplateText } from './notify-fill';
import { renderRoutedNotify } from './notify-render';

/** Slack's fallback `text` (notifications, screen readers): ours, as for the routed templates. */
const MAX_TEXT = 3000;
/** An SQS message is at most 256 KiB; the lane message keeps room for its envelope. */
const MAX_LANE_MESSAGE_BYTES = 240_000;

export const notifyBodySchema = z.strictObject({
  /** An alias of connectors.slack.channels (`sales`, `#sales`) or a channel id (C…/G…). */
  channel: z
    .string({ error: 'channel is required: an alias of connectors.slack.channels or a channel id (C…)' })
    .trim()
    .min(1, 'channel is required: an alias of connectors.slack.channels or a channel id (C…)'),
  /** The event's name: a notification route's key (order_placed, high_value_order...) or your own. */
  event: z
    .string({ error: 'event is required (e.g. order_placed)' })
    .trim()
    .min(1, 'event is required (e.g. order_placed)')
    .max(100, 'event is at most 100 characters')
    .regex(/^[A-Za-z0-9_.:-]+$/, 'event is a name of letters, digits and _ . : - (e.g. order_placed)'),
  /** Fills the template's {{placeholders}}; without a template, the routed template's values (contact, order...) and extra fields. */
  data: z.record(z.string(), z.unknown(), { error: 'data must be an object' }).optional(),
  template: z
    .strictObject({
      blocks: blocksSchema,
      text: z.string().trim().min(1).max(MAX_TEXT, `text is at most ${MAX_TEXT} characters`).optional(),
    })
    .optional(),
  /** Fallback text (notifications, screen readers); default: the template's, else its header. */
  text: z.string().trim().min(1).max(MAX_TEXT, `text is at most ${MAX_TEXT} characters`).optional(),
  /** A thread key: notifications with the same key in a channel go into one thread. */
  thread: z.string().trim().min(1).max(200, 'thread is at most 200 characters').optional(),
});
export type NotifyBody = z.output<typeof notifyBodySchema>;

export const notifyAnswerSchema = z.object({
  queued: z.literal(true),
  /** The delivery's id: status slack shows it posted or failed under this id. */
  notificationId: z.string(),
  /** The channel id the alias resolved to. */
  channel: z.string(),
});
export type NotifyAnswer = z.output<typeof notifyAnswerSchema>;

export interface NotifyDeps {
  connections: ConnectionStore;
  lane: LaneQueue;
  clock: Clock;
  /** The bot token, to find a channel given by its name (neither an alias nor an id). */
  secrets: SecretStore;
  endpoints: { slackApiUrl?: string };
}

/**
 * The notification's id: from the caller's Idempotency-Key (the same key is the same notification:
 * the lane's dedupe and the posted marker keep it to one post), else a fresh one.
 */
export function notificationIdOf(tenantId: string, idempotencyKey?: string): string {
  if (!idempotencyKey?.trim()) return `ntf_${randomUUID().replace(/-/g, '')}`;
  const digest = createHash('sha256').update(`${tenantId}\n${idempotencyKey.trim()}`).digest('hex');
  return `ntf_${digest.slice(0, 32)}`;
}

/** Queues one notification in the Slack lane; refuses (RequestRefusedError) what cannot be posted. */
export async function notifySlack(
  deps: NotifyDeps,
  args: { tenantId: string; body: NotifyBody; idempotencyKey?: string },
): Promise<NotifyAnswer> {
  const { tenantId, body } = args;
  const conn = await deps.connections.getConnection(tenantId, 'slack');
  if (!conn) {
    throw new RequestRefusedError(
      409,
      `no Slack connection for this tenant: connect Slack first (PUT /tenants/${tenantId}/connections/slack)`,
      'not_connected',
    );
  }
  if (!conn.settings.enabled) {
    throw new RequestRefusedError(
      409,
      'the Slack connection is disabled (connectors.slack.enabled: false): enable it to post',
      'disabled',
    );
  }
  const channels = conn.settings.channels ?? {};
  const channelId = resolveChannel(body.channel, channels) ?? (await channelIdByName(deps, conn, body.channel));
  if (!channelId) {
    const known = Object.keys(channels);
    throw new InvalidRequestError([
      {
        path: 'channel',
        message: `"${body.channel}" is not an alias of connectors.slack.channels (${known.length ? `known: ${known.join(', ')}` : 'none defined'}), a channel id (C…) nor a public channel the bot sees: add it to connectors.slack.channels or invite the bot`,
      },
    ]);
  }
  const notificationId = notificationIdOf(tenantId, args.idempotencyKey);
  const rendered = body.template
    ? ownTemplateMessage(body.template, body)
    : routedMessage(conn.settings, body, notificationId, deps.clock.now());

  const message: SlackLaneMessage = {
    type: 'slack.post',
    tenantId,
    channelId,
    notificationId,
    event: body.event,
    ...(body.thread ? { threadKey: body.thread } : {}),
    text: rendered.text,
    blocks: rendered.blocks,
  };
  const json = JSON.stringify(message);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_LANE_MESSAGE_BYTES) {
    throw new RequestRefusedError(
      400,
      `the notification is ${bytes} bytes; at most ${MAX_LANE_MESSAGE_BYTES} can be queued: shorten the template or data`,
      'bad_request',
    );
  }
  await deps.lane.send('slackLane', [
    {
      body: json,
      groupId: slackLaneGroupId(tenantId, channelId),
      deduplicationId: notificationKey(tenantId, channelId, notificationId),
    },
  ]);
  return { queued: true, notificationId, channel: channelId };
}

/**
 * A channel given by its Slack name (`sales`, `#sales`), as chat.postMessage also accepts it: its
 * id, so the lane paces and threads by channel as for an alias. Slack's own answer decides.
 */
async function channelIdByName(
  deps: NotifyDeps,
  conn: Parameters<typeof readAccessToken>[1],
  ref: string,
): Promise<string | undefined> {
  const name = ref.trim().replace(/^#/, '');
  if (!/^[a-z0-9][a-z0-9._-]{0,79}$/.test(name)) return undefined;
  const slack = new SlackClient({
    token: await readAccessToken(deps, conn),
    apiUrl: deps.endpoints.slackApiUrl,
    clock: deps.clock,
    stats: newStats(),
  });
  return slack.channelIdByName(name);
}

/** The caller's blocks, their placeholders filled from data and checked again once filled. */
function ownTemplateMessage(
  template: NonNullable<NotifyBody['template']>,
  body: NotifyBody,
): { text: string; blocks: unknown[] } {
  const data = body.data ?? {};
  const refuse = (path: PropertyKey[], reason: string) =>
    new InvalidRequestError([{ path: formatPath(path), message: reason }]);
  const filled = fillTemplateBlocks(template.blocks, data);
  if (!filled.ok) throw refuse(['template', 'blocks', ...filled.path], filled.reason);
  const checked = blocksSchema.safeParse(filled.blocks);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw refuse(['template', 'blocks', ...issue.path], `${issue.message} (once data filled its placeholders)`);
  }
  const own = template.text !== undefined ? { text: template.text, path: ['template', 'text'] } : undefined;
  const given = own ?? (body.text !== undefined ? { text: body.text, path: ['text'] } : undefined);
  if (!given) return { text: fallbackFromBlocks(checked.data, body.event), blocks: checked.data };
  const text = fillTemplateText(given.text, data, given.path);
  if (!text.ok) throw refuse(text.path, text.reason);
  return { text: String(text.value).slice(0, MAX_TEXT), blocks: checked.data };
}

/** Without a template: the connection's route for the event, rendered over `data`. */
function routedMessage(
  settings: unknown,
  body: NotifyBody,
  notificationId: string,
  now: number,
): { text: string; blocks: unknown[] } {
  const routes = parseNotificationsConfig(settings);
  if (!routes.ok) {
    const first = routes.issues[0];
    throw new RequestRefusedError(
      409,
      `the Slack connection's notification config is invalid (${first ? `${first.path}: ${first.message}` : 'see tajo config validate'}): give template.blocks, or connect Slack again with a valid config`,
      'config_invalid',
    );
  }
  const out = renderRoutedNotify(routes.config, {
    event: body.event,
    data: body.data ?? {},
    notificationId,
    occurredAt: new Date(now).toISOString(),
  });
  if (!out.ok) {
    if (out.path) throw new InvalidRequestError([{ path: formatPath(out.path), message: out.reason }]);
    throw new RequestRefusedError(400, out.reason, 'bad_request');
  }
  return { text: body.text ?? out.text, blocks: out.blocks };
}

/** A fallback text from the blocks: the header's, else the first section's text, else the event. */
function fallbackFromBlocks(blocks: readonly Block[], event: string): string {
  for (const b of blocks) {
    if (b.type === 'header') return b.text.text;
  }
  for (const b of blocks) {
    if (b.type === 'section' && b.text) return b.text.text.slice(0, MAX_TEXT);
  }
  return event;
}
