/**
 * SlackSimulator: an in-process Slack Web API (loopback HTTP, methods at `POST|GET /api/<method>`,
 * so `${baseUrl}/api/` works as `slackApiUrl`) that enforces what a connector must cope with:
 * bearer/form-token auth and scopes (`missing_scope` with needed/provided), the per-method rate
 * tiers and chat.postMessage's 1 message/s per channel (HTTP 429 + Retry-After), cursor
 * pagination, Block Kit limits, thread parents, scheduling windows and users.list's fields.
 *
 * Behaviour choices:
 * - API errors are HTTP 200 `{ok:false, error}`; rate limits are HTTP 429 `{ok:false, error:'ratelimited'}`
 *   with an integer `Retry-After` ≥ 1; unknown methods are HTTP 404 `{ok:false, error:'unknown_method'}`.
 * - Authenticated replies carry `X-OAuth-Scopes` (the token's scopes) and `X-Accepted-OAuth-Scopes`.
 * - Tokens come from `Authorization: Bearer` or a form body's `token=`. A `token` inside a JSON body
 *   or in the query string is ignored (→ `not_authed`), as Slack does for JSON and for new apps.
 * - Order of checks: failNext faults → auth → the method's fixed scope → tier limit → the method.
 *   Scopes that depend on the channel (groups:read / channels:history …) are checked inside the method.
 *   A tier token is spent by every call that passes auth and the fixed scope, successful or not.
 * - The per-channel post limit is spent only by messages actually posted (validation failures don't
 *   count); it is keyed by workspace + channel.
 * - A private channel the bot is not in is invisible to conversations.list/info/history
 *   (`channel_not_found`); chat.postMessage to it answers `not_in_channel`.
 * - `thread_ts` must be the ts of a top-level message of that channel (a reply's ts → `thread_not_found`).
 * - chat.scheduleMessage counts the 30-per-5-minutes rule over any sliding 300 s window of post_at.
 *   Scheduled messages post once the clock passes post_at (checked on every API call and by the
 *   control API); those scheduled with `metadata` are silently dropped (Slack's documented bug).
 * - users.list includes USLACKBOT and the app's bot user; deactivated users lack the top-level
 *   real_name/tz/is_admin… fields; `profile.email` needs users:read.email.
 * - OAuth v2 of distributed apps (options.oauthClients, `sim.oauth`): `oauth.v2.access` authenticates
 *   the app by client id and secret (form or Basic), codes come from the control API or the sandbox
 *   install route `GET /__sandbox/oauth/v2/authorize`; installed tokens act on their workspace, and
 *   rotating ones answer `token_expired` after 12 hours (see oauth.ts).
 *
 * The simulator is built in layers, one concept per file, each extending the one before:
 * SlackWorkspaces (workspaces.ts: state, workspace lookups, message storage) <- SlackControl (control.ts:
 * the control API) <- SlackGateway (gateway.ts: auth, scopes, rate tiers, faults) <- TeamMethods <-
 * ConversationsMethods <- ChatMethods <- UsersMethods <- ViewsMethods (methods/) <- SlackSimulator
 * (index.ts: the routes).
 */

import { ok200, type Tier } from './gateway';
import { ViewsMethods } from './methods/views';
import type { Workspace } from './store';
import type { SlackSimulatorOptions } from './types';

export { MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS, validateBlocks, validateView } from './blocks';
export { TIERS } from './gateway';
export {
  SLACK_CODE_TTL_MS,
  SLACK_ROTATING_TOKEN_TTL_S,
  SlackOAuth,
  type SlackOAuthRequest,
} from './oauth';
export { SLACKBOT_ID } from './store';
export type * from './types';
export { SlackApiError } from './util';
export { SANDBOX_WORKSPACE, SLACK_SANDBOX_TOKEN } from './workspaces';

export class SlackSimulator extends ViewsMethods {
  constructor(options: SlackSimulatorOptions = {}) {
    super(options);
    // No bearer token: the app authenticates with its client id and secret.
    this.route('POST', '/api/oauth.v2.access', (req) => {
      const fault = this.takeFault();
      if (fault) return fault;
      const parsed = this.parseArgs(req);
      if ('error' in parsed) return ok200({ ok: false, error: parsed.error });
      const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
      return ok200(this.oauth.access(parsed.args, auth));
    });
    this.route('GET', '/__sandbox/oauth/v2/authorize', (req) =>
      this.oauth.authorizeRoute(req, this.teamIds[0] as string),
    );

    const history = (ws: Workspace): Tier => (ws.newNonMarketplaceApp ? 1 : 3);
    this.api('auth.test', { tier: null, handler: (c) => this.authTest(c) });
    this.api('team.info', { tier: 3, scope: 'team:read', handler: (c) => this.teamInfo(c) });
    this.api('conversations.list', { tier: 2, handler: (c) => this.conversationsList(c) });
    this.api('conversations.info', { tier: 3, handler: (c) => this.conversationsInfo(c) });
    this.api('conversations.history', { tier: history, handler: (c) => this.conversationsHistory(c) });
    this.api('conversations.replies', { tier: history, handler: (c) => this.conversationsReplies(c) });
    this.api('chat.postMessage', { tier: null, scope: 'chat:write', handler: (c) => this.postMessage(c) });
    this.api('chat.update', { tier: 3, scope: 'chat:write', handler: (c) => this.chatUpdate(c) });
    this.api('chat.postEphemeral', { tier: 4, scope: 'chat:write', handler: (c) => this.postEphemeral(c) });
    this.api('chat.scheduleMessage', { tier: 3, scope: 'chat:write', handler: (c) => this.scheduleMessage(c) });
    this.api('chat.scheduledMessages.list', { tier: 3, handler: (c) => this.scheduledList(c) });
    this.api('chat.deleteScheduledMessage', {
      tier: 3,
      scope: 'chat:write',
      handler: (c) => this.deleteScheduled(c),
    });
    this.api('users.list', { tier: 2, scope: 'users:read', handler: (c) => this.usersList(c) });
    this.api('users.info', { tier: 4, scope: 'users:read', handler: (c) => this.usersInfo(c) });
    this.api('users.lookupByEmail', {
      tier: 3,
      scope: 'users:read.email',
      handler: (c) => this.lookupByEmail(c),
    });
    this.api('views.open', { tier: 4, handler: (c) => this.viewsOpen(c) });
  }
}
