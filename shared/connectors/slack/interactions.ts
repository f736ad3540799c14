/**
 * Slack → Brevo, through one path for both kinds of app. `POST /slack/{tenantId}/events|interactions`
 * (the tenant's own Slack app) is verified with the tenant's signing secret; `POST
 * /slack/events|interactions` (the deployment's distributed app) with the app's, and its tenant is
 * the one the signed payload's Slack team is mapped to (connectSlack claims the team). The signature
 * is verified on the raw bytes before anything is parsed, `url_verification` is answered, modal input is validated at once (Slack shows `response_action: errors` in the modal),
 * and the Brevo work goes to the Brevo lane, so the 3-second ack never waits on Brevo. A retry of
 * the same request (X-Slack-Retry-Num) deduplicates in the lane; the Brevo actions are upserts, so a
 * double click has one effect.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { brevoClientFor } from '../../core/brevo/client';
import { ProviderError } from '../../core/errors';
import type { ApiResponse } from '../../core/http/api-types';
import { headerValue } from '../../core/http/headers';
import { newStats } from '../../core/http/paced-fetch';
import { normalizeEmail } from '../../core/mapping';
import {
  type Clock,
  type ConnectionRecord,
  type ConnectionStore,
  type LaneQueue,
  type SecretStore,
  type WorkspaceClaim,
  type WorkspaceClaimStore,
  type WorkspaceRef,
  workspaceKey,
} from '../../core/ports';
import { type OAuthTokens, readAccessToken } from '../../core/tenancy/oauth-tokens';
import type { SlackAppCredentialsSource } from './app';
import { SlackClient } from './client';
import type { SlackInteraction } from './config-schema';
import { blockActions, eventsEnvelope, eventsTeam, interactionTeam, messageAction, viewSubmission } from './payloads';
import { verifySlackSignature } from './signature';

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

export interface SlackIngressDeps {
  connections: ConnectionStore;
  secrets: SecretStore;
  lane: LaneQueue;
  clock: Clock;
  /** The distributed app's routes: its credentials and the team → tenant lookup. */
  app?: { credentials: SlackAppCredentialsSource; teams: Pick<WorkspaceClaimStore, 'findSlackTeam'> };
  log?: (message: string, data: Record<string, unknown>) => void;
}

export interface SlackRequest {
  /**
   * Whose app signed the request: a tenant's own app (`/slack/{tenantId}/...`, its signing secret,
   * the tenant is the path's) or the deployment's distributed app (`/slack/...`, the app's signing
   * secret, the tenant is the one the signed payload's Slack team is mapped to).
   */
  via: { app: 'tenant'; tenantId: string } | { app: 'distributed' };
  kind: 'events' | 'interactions';
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

/** What the distributed app answers for a team no tenant has connected (see below). */
const UNKNOWN_TEAM_TEXT =
  'This Slack workspace is not connected to Tajo. Ask your Tajo admin to connect it, then try again.';

export async function acceptSlackRequest(deps: SlackIngressDeps, req: SlackRequest): Promise<ApiResponse> {
  // 1. The secret of whoever is supposed to have signed, and the signature, before reading the body.
  let secret: string;
  let tenantConn: ConnectionRecord<'slack'> | undefined;
  if (req.via.app === 'tenant') {
    tenantConn = await deps.connections.getConnection(req.via.tenantId, 'slack');
    if (!tenantConn?.signingSecretRef)
      return { status: 404, body: { error: 'no Slack app connected for this tenant' } };
    secret = await deps.secrets.get(tenantConn.signingSecretRef);
  } else {
    const app = await deps.app?.credentials();
    if (!app) {
      deps.log?.('Slack app request refused: the deployment has no usable Slack app secret', { kind: req.kind });
      return { status: 503, body: { error: 'the Slack app is not configured on this deployment' } };
    }
    secret = app.signing_secret;
  }
  const verified = verifySlackSignature({ rawBody: req.rawBody, headers: req.headers }, secret, deps.clock.now());
  if (!verified.ok) return { status: verified.status, body: { error: verified.reason } };

  // 2. The signed body: the events envelope (JSON) or the interaction payload (form field `payload`).
  const text = req.rawBody.toString('utf8');
  let signed: unknown;
  try {
    signed = req.kind === 'events' ? JSON.parse(text) : JSON.parse(new URLSearchParams(text).get('payload') ?? '');
  } catch {
    return {
      status: 400,
      body: { error: req.kind === 'events' ? 'the body is not JSON' : 'expected a form field payload with JSON' },
    };
  }
  const envelope = eventsEnvelope.safeParse(signed);
  // Slack sends this when the Request URL is set, before any team has installed the app.
  if (req.kind === 'events' && envelope.success && envelope.data.type === 'url_verification') {
    return { status: 200, body: { challenge: envelope.data.challenge } };
  }

  // 3. The tenant, and its connection, which must be the team's.
  const team = slackTeamOf(req.kind, signed);
  let conn: ConnectionRecord<'slack'>;
  if (req.via.app === 'tenant') {
    conn = tenantConn as ConnectionRecord<'slack'>;
  } else {
    const found = team && (await deps.app?.teams.findSlackTeam(team));
    const mapped = found ? await deps.connections.getConnection(found.tenantId, 'slack') : undefined;
    // A mapping that the tenant's connection does not back (stale, or written by mistake) leads nowhere.
    if (!found || !mapped || !sameInstallation(mapped, found)) {
      deps.log?.('Slack app request from a team no tenant has connected', {
        kind: req.kind,
        team: team ? workspaceKey(team) : undefined,
        mappedTenant: found?.tenantId,
      });
      // Events: 200 and nothing else, or Slack retries and eventually disables the app's events for
      // every workspace. Interactions: the user sees this text instead of a bare error.
      return req.kind === 'events'
        ? { status: 200, body: undefined }
        : { status: 200, body: { response_type: 'ephemeral', replace_original: false, text: UNKNOWN_TEAM_TEXT } };
    }
    conn = mapped;
  }
  const tenantId = conn.tenantId;
  if (!conn.settings.enabled) return { status: 200, body: {} };
  // A request signed for this app but from another workspace (a shared app or secret) acts on nothing here.
  if (team && !ownsTeam(conn, team)) return { status: 403, body: { error: 'request from another Slack workspace' } };

  if (req.kind === 'events') {
    // Event subscriptions are acknowledged; no event type drives Brevo work yet.
    deps.log?.('Slack event acknowledged', {
      tenantId,
      type: envelope.success ? envelope.data.event?.type : undefined,
      retryNum: headerValue(req.headers, 'x-slack-retry-num'),
    });
    return { status: 200, body: { ok: true } };
  }

  const payload = signed;
  const rules = conn.settings.interactions;
  const queue = async (messages: BrevoActionMessage[], dedupeOn: string) => {
    if (messages.length === 0) return;
    await deps.lane.send(
      'brevoLane',
      messages.map((m, i) => ({
        body: JSON.stringify(m),
        groupId: tenantId,
        // Slack's retries (X-Slack-Retry-Num) and resends carry the same payload: same id, one message.
        deduplicationId: createHash('sha256').update(`${tenantId}:${dedupeOn}:${i}`).digest('hex'),
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
      const m = contactAction(tenantId, rule, email, `block_actions:${a.action_id}`);
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
          tenantId: tenantId,
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
            tenantId: tenantId,
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

/**
 * The Slack installation a signed request comes from (absent in url_verification): one answer, from
 * the fields Slack sets for the installation, never a search over several teams of one payload.
 */
export function slackTeamOf(kind: 'events' | 'interactions', signed: unknown): WorkspaceRef | undefined {
  if (kind === 'events') {
    const p = eventsTeam.safeParse(signed);
    if (!p.success) return undefined;
    const auth = p.data.authorizations?.[0];
    const enterpriseId = auth?.enterprise_id ?? p.data.enterprise_id ?? undefined;
    if (auth?.is_enterprise_install && enterpriseId)
      return { isEnterpriseInstall: true, enterpriseId, teamId: auth.team_id ?? undefined };
    const teamId = auth?.team_id ?? p.data.team_id ?? undefined;
    return teamId ? { isEnterpriseInstall: false, teamId, ...(enterpriseId ? { enterpriseId } : {}) } : undefined;
  }
  const p = interactionTeam.safeParse(signed);
  if (!p.success) return undefined;
  const enterpriseId = p.data.enterprise?.id ?? undefined;
  const teamId = p.data.team?.id ?? p.data.user?.team_id ?? undefined;
  if (p.data.is_enterprise_install && enterpriseId) return { isEnterpriseInstall: true, enterpriseId, teamId };
  return teamId ? { isEnterpriseInstall: false, teamId, ...(enterpriseId ? { enterpriseId } : {}) } : undefined;
}

/** Whether a tenant's Slack connection is the installation a request (or a team mapping) names. */
function ownsTeam(conn: ConnectionRecord<'slack'>, team: WorkspaceRef): boolean {
  return team.isEnterpriseInstall
    ? conn.settings.enterpriseInstall === true && conn.settings.enterpriseId === team.enterpriseId
    : conn.settings.teamId === team.teamId;
}

/** Whether a tenant's Slack connection backs a team mapping (the mapping's tenant, the same installation). */
function sameInstallation(conn: ConnectionRecord<'slack'>, team: WorkspaceClaim): boolean {
  return conn.tenantId === team.tenantId && ownsTeam(conn, team);
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

/**
 * The Brevo lane's worker: one action, Brevo paced per account; 4xx from Brevo are final. The lane's
 * message group is the tenant: a message in another tenant's group is dropped, never run there.
 */
export async function performBrevoAction(
  deps: {
    connections: ConnectionStore;
    secrets: SecretStore;
    /** Refreshes OAuth connections' rotating tokens before they expire (without it: used as stored). */
    oauthTokens?: OAuthTokens;
    clock: Clock;
    brevoBaseUrl?: string;
    slackApiUrl?: string;
    log?: (message: string, data: Record<string, unknown>) => void;
  },
  body: string,
  groupId?: string,
): Promise<'done' | 'dropped'> {
  let msg: BrevoActionMessage;
  try {
    msg = brevoActionMessageSchema.parse(JSON.parse(body));
  } catch {
    deps.log?.('unreadable Brevo lane message dropped', {});
    return 'dropped';
  }
  if (groupId !== undefined && groupId !== msg.tenantId) {
    deps.log?.("Brevo lane message outside its tenant's group: dropped", { tenantId: msg.tenantId, groupId });
    return 'dropped';
  }
  const conn = await deps.connections.getConnection(msg.tenantId, 'slack');
  if (!conn) {
    // Disconnected since the click: its Brevo key may be gone too, and a retry would not bring it back.
    deps.log?.('Brevo lane message for a tenant without a Slack connection: dropped', {
      tenantId: msg.tenantId,
      source: msg.source,
    });
    return 'dropped';
  }
  const apiKey = await deps.secrets.get(conn.brevoApiKeyRef);
  const brevo = brevoClientFor({
    apiKey,
    baseUrl: deps.brevoBaseUrl,
    clock: deps.clock,
  });
  try {
    let email: string;
    let attributes: Record<string, unknown> = {};
    if (msg.op === 'add_slack_user_to_list') {
      const slack = new SlackClient({
        token: await readAccessToken(deps, conn),
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
