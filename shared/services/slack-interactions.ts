/**
 * Slack → Brevo. `POST /slack/{tenantId}/events|interactions` (the tenant's own Slack app): the
 * signature is verified on the raw bytes with the tenant's signing secret, `url_verification` is
 * answered, modal input is validated at once (Slack shows `response_action: errors` in the modal),
 * and the Brevo work goes to the Brevo lane, so the 3-second ack never waits on Brevo. A retry of
 * the same request (X-Slack-Retry-Num) deduplicates in the lane; the Brevo actions are upserts, so a
 * double click has one effect.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BrevoClient, sharedBrevoLimits } from '../brevo/client';
import type { SlackInteraction } from '../config/schema';
import { SlackClient } from '../connectors/slack/client';
import { verifySlackSignature } from '../connectors/slack/signature';
import { ProviderError } from '../errors';
import { newStats } from '../http/paced-fetch';
import { normalizeEmail } from '../mapping';
import type { Clock, ConnectionStore, LaneQueue, SecretStore } from '../ports';
import type { ApiResponse } from './api';
import { integrationKey } from './notion-context';

/** Brevo work queued from Slack: what to do, for which contact. */
export const brevoActionMessageSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('upsert_contact'),
    tenantId: z.string().min(1),
    email: z.string().min(3),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    list: z.union([z.number(), z.string()]).optional(),
    source: z.string(),
  }),
  z.object({
    op: z.literal('add_slack_user_to_list'),
    tenantId: z.string().min(1),
    slackUserId: z.string().min(1),
    list: z.union([z.number(), z.string()]),
    source: z.string(),
  }),
]);
export type BrevoActionMessage = z.infer<typeof brevoActionMessageSchema>;

const blockActions = z.looseObject({
  type: z.literal('block_actions'),
  trigger_id: z.string().optional(),
  actions: z.array(
    z.looseObject({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() }),
  ),
});
const viewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  view: z.looseObject({
    id: z.string(),
    callback_id: z.string(),
    hash: z.string().optional(),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({}))) }),
  }),
});
const messageAction = z.looseObject({
  type: z.literal('message_action'),
  callback_id: z.string(),
  action_ts: z.string().optional(),
  trigger_id: z.string().optional(),
  message: z.looseObject({ ts: z.string(), user: z.string().optional() }),
});

export interface SlackIngressDeps {
  connections: ConnectionStore;
  secrets: SecretStore;
  lane: LaneQueue;
  clock: Clock;
  log?: (message: string, data: Record<string, unknown>) => void;
}

export async function acceptSlackRequest(
  deps: SlackIngressDeps,
  req: {
    tenantId: string;
    kind: 'events' | 'interactions';
    headers: Record<string, string | undefined>;
    rawBody: Buffer;
  },
): Promise<ApiResponse> {
  const conn = await deps.connections.getConnection(req.tenantId, 'slack');
  if (!conn?.signingSecretRef) return { status: 404, body: { error: 'no Slack app connected for this tenant' } };
  const secret = await deps.secrets.get(conn.signingSecretRef);
  const verified = verifySlackSignature({ rawBody: req.rawBody, headers: req.headers }, secret, deps.clock.now());
  if (!verified.ok) return { status: verified.status, body: { error: verified.reason } };
  if (!conn.settings.enabled) return { status: 200, body: {} };
  // A request signed for this app but from another workspace (a shared app or secret) acts on nothing here.
  const team = teamOf(req.kind, req.rawBody);
  if (team && team !== conn.settings.teamId)
    return { status: 403, body: { error: 'request from another Slack workspace' } };

  if (req.kind === 'events') {
    let envelope: { type?: string; challenge?: string; event?: { type?: string } };
    try {
      envelope = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'the body is not JSON' } };
    }
    if (envelope.type === 'url_verification') return { status: 200, body: { challenge: envelope.challenge } };
    // Event subscriptions are acknowledged; no event type drives Brevo work yet.
    deps.log?.('Slack event acknowledged', { tenantId: req.tenantId, type: envelope.event?.type });
    return { status: 200, body: { ok: true } };
  }

  const form = new URLSearchParams(req.rawBody.toString('utf8'));
  let payload: unknown;
  try {
    payload = JSON.parse(form.get('payload') ?? '');
  } catch {
    return { status: 400, body: { error: 'expected a form field payload with JSON' } };
  }
  const rules = conn.settings.interactions;
  const queue = async (messages: BrevoActionMessage[], dedupeOn: string) => {
    if (messages.length === 0) return;
    await deps.lane.send(
      'brevoLane',
      messages.map((m, i) => ({
        body: JSON.stringify(m),
        groupId: req.tenantId,
        deduplicationId: createHash('sha256').update(`${req.tenantId}:${dedupeOn}:${i}`).digest('hex'),
      })),
    );
  };

  const type = (payload as { type?: unknown })?.type;
  if (type === 'block_actions') {
    const p = blockActions.safeParse(payload);
    if (!p.success) return { status: 400, body: { error: 'malformed block_actions payload' } };
    const messages: BrevoActionMessage[] = [];
    for (const a of p.data.actions) {
      const rule = rules[a.action_id];
      const email = a.value ? normalizeEmail(a.value) : undefined;
      if (!rule || !email) continue;
      const m = contactAction(req.tenantId, rule, email, `block_actions:${a.action_id}`);
      if (m) messages.push(m);
    }
    await queue(messages, `${p.data.trigger_id ?? ''}:${p.data.actions.map((a) => a.action_ts).join(',')}`);
    return { status: 200, body: {} };
  }
  if (type === 'view_submission') {
    const p = viewSubmission.safeParse(payload);
    if (!p.success) return { status: 400, body: { error: 'malformed view_submission payload' } };
    const rule = rules[p.data.view.callback_id];
    if (rule?.action !== 'create_contact') return { status: 200, body: {} };
    const result = readModal(p.data.view.state.values, rule.fields);
    // Slack shows these next to the inputs; nothing is queued.
    if (!result.ok) return { status: 200, body: { response_action: 'errors', errors: result.errors } };
    await queue(
      [
        {
          op: 'upsert_contact',
          tenantId: req.tenantId,
          email: result.email,
          attributes: result.attributes,
          list: rule.list,
          source: `view_submission:${p.data.view.callback_id}`,
        },
      ],
      `view:${p.data.view.id}:${p.data.view.hash ?? ''}`,
    );
    return { status: 200, body: { response_action: 'clear' } };
  }
  if (type === 'message_action') {
    const p = messageAction.safeParse(payload);
    if (!p.success) return { status: 400, body: { error: 'malformed message_action payload' } };
    const rule = rules[p.data.callback_id];
    if (rule?.action === 'add_author_to_list' && p.data.message.user) {
      await queue(
        [
          {
            op: 'add_slack_user_to_list',
            tenantId: req.tenantId,
            slackUserId: p.data.message.user,
            list: rule.list,
            source: `message_action:${p.data.callback_id}`,
          },
        ],
        `shortcut:${p.data.trigger_id ?? p.data.action_ts ?? p.data.message.ts}`,
      );
    }
    return { status: 200, body: {} };
  }
  return { status: 200, body: {} };
}

/** The workspace a Slack request comes from (absent in url_verification). */
function teamOf(kind: 'events' | 'interactions', raw: Buffer): string | undefined {
  try {
    if (kind === 'events') return (JSON.parse(raw.toString('utf8')) as { team_id?: string }).team_id;
    const payload = JSON.parse(new URLSearchParams(raw.toString('utf8')).get('payload') ?? '{}') as {
      team?: { id?: string } | null;
      user?: { team_id?: string };
    };
    return payload.team?.id ?? payload.user?.team_id;
  } catch {
    return undefined;
  }
}

function contactAction(
  tenantId: string,
  rule: SlackInteraction,
  email: string,
  source: string,
): BrevoActionMessage | undefined {
  if (rule.action === 'add_to_list')
    return { op: 'upsert_contact', tenantId, email, attributes: {}, list: rule.list, source };
  if (rule.action === 'set_attribute') {
    return {
      op: 'upsert_contact',
      tenantId,
      email,
      attributes: { [rule.attribute.toUpperCase()]: rule.value },
      source,
    };
  }
  return undefined;
}

/** Modal values by input action_id → attributes; the `email` target is required and must be valid. */
function readModal(
  values: Record<string, Record<string, Record<string, unknown>>>,
  fields: Record<string, string>,
): { ok: true; email: string; attributes: Record<string, string> } | { ok: false; errors: Record<string, string> } {
  const attributes: Record<string, string> = {};
  let email: string | undefined;
  let emailBlock: string | undefined;
  for (const [blockId, inputs] of Object.entries(values)) {
    for (const [actionId, input] of Object.entries(inputs)) {
      const target = fields[actionId];
      if (!target) continue;
      const raw =
        (input.value as string | undefined) ??
        ((input.selected_option as { value?: string } | undefined)?.value as string | undefined);
      if (target.toLowerCase() === 'email') {
        emailBlock = blockId;
        email = raw ? normalizeEmail(raw) : undefined;
      } else if (raw) attributes[target.toUpperCase()] = raw;
    }
  }
  if (!email) {
    return { ok: false, errors: { [emailBlock ?? Object.keys(values)[0] ?? 'email']: 'Enter a valid email address' } };
  }
  return { ok: true, email, attributes };
}

/** The Brevo lane's worker: one action, Brevo paced per account; 4xx from Brevo are final. */
export async function performBrevoAction(
  deps: {
    connections: ConnectionStore;
    secrets: SecretStore;
    clock: Clock;
    brevoBaseUrl?: string;
    slackApiUrl?: string;
    log?: (message: string, data: Record<string, unknown>) => void;
  },
  body: string,
): Promise<'done' | 'dropped'> {
  let msg: BrevoActionMessage;
  try {
    msg = brevoActionMessageSchema.parse(JSON.parse(body));
  } catch {
    deps.log?.('unreadable Brevo lane message dropped', {});
    return 'dropped';
  }
  const conn = await deps.connections.getConnection(msg.tenantId, 'slack');
  if (!conn) return 'dropped';
  const apiKey = await deps.secrets.get(conn.brevoApiKeyRef);
  const brevo = new BrevoClient({
    apiKey,
    baseUrl: deps.brevoBaseUrl,
    clock: deps.clock,
    stats: newStats(),
    limits: sharedBrevoLimits(integrationKey('brevo', apiKey), deps.clock),
  });
  try {
    let email: string;
    let attributes: Record<string, unknown> = {};
    if (msg.op === 'add_slack_user_to_list') {
      const slack = new SlackClient({
        token: await deps.secrets.get(conn.tokenRef),
        apiUrl: deps.slackApiUrl,
        clock: deps.clock,
        stats: newStats(),
      });
      const found = normalizeEmail((await slack.userEmail(msg.slackUserId)) ?? '');
      if (!found) {
        deps.log?.('the message author has no email visible to the app (users:read.email)', { tenantId: msg.tenantId });
        return 'dropped';
      }
      email = found;
    } else {
      email = msg.email;
      attributes = msg.attributes;
    }
    const listIds =
      msg.list === undefined ? undefined : [typeof msg.list === 'number' ? msg.list : await brevo.ensureList(msg.list)];
    await brevo.upsertContact({ email, attributes, listIds });
    return 'done';
  } catch (err) {
    if (
      err instanceof ProviderError &&
      err.provider === 'brevo' &&
      err.status >= 400 &&
      err.status < 500 &&
      err.status !== 429
    ) {
      deps.log?.('Brevo refused a Slack action', { tenantId: msg.tenantId, source: msg.source, reason: err.message });
      return 'dropped';
    }
    throw err;
  }
}
