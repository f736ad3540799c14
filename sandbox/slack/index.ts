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
 */

import { SimClock, type SimRequest, type SimResponse, SimServer, TokenBucket } from '../http-kit';
import { registerTestSecrets } from '../secrets-registry';
import { decodeGraph, encodeGraph, refill, refillArray } from '../snapshot';
import { MAX_MESSAGE_BLOCKS, validateBlocks, validateView } from './blocks';
import { SlackOAuth, type TokenInstall } from './oauth';
import { SLACKBOT_ID, Workspace } from './store';
import type {
  ChannelInput,
  ChannelPatch,
  ChannelRec,
  FailureSpec,
  MessageInput,
  MessageMetadata,
  SimEphemeral,
  SimMessage,
  SimScheduled,
  SimView,
  SlackSimStats,
  SlackSimulatorOptions,
  UserInput,
  UserPatch,
  UserRec,
  WorkspaceInput,
} from './types';
import {
  type Args,
  bool,
  formatTs,
  IdSource,
  int,
  isRecord,
  jsonArg,
  paginate,
  parseTs,
  SlackApiError,
  str,
  validationFailure,
} from './util';

export { MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS, validateBlocks, validateView } from './blocks';
export {
  SLACK_CODE_TTL_MS,
  SLACK_ROTATING_TOKEN_TTL_S,
  SlackOAuth,
  type SlackOAuthRequest,
} from './oauth';
export { SLACKBOT_ID } from './store';
export type * from './types';
export { SlackApiError } from './util';

export const SLACK_SANDBOX_TOKEN = 'xoxb-sandbox';

export const SANDBOX_WORKSPACE: WorkspaceInput = {
  teamId: 'T0SANDBOX',
  teamName: 'Sandbox',
  botToken: SLACK_SANDBOX_TOKEN,
  botUserId: 'U0SANDBOXBOT',
  botId: 'B0SANDBOX',
  scopes: ['chat:write', 'channels:read', 'users:read', 'users:read.email', 'chat:write.public'],
};

/** Requests per minute of Slack's tiers. */
export const TIERS = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;
type Tier = keyof typeof TIERS;

const DAY_S = 86_400;
const SCHEDULE_HORIZON_S = 120 * DAY_S;
const SCHEDULE_WINDOW_S = 300;
const SCHEDULE_WINDOW_MAX = 30;
const MAX_TEXT = 40_000;
const TRIGGER_TTL_MS = 3000;
const MAX_LIMIT = 1000;
const UNPAGINATED_USERS_MAX = 1000;

type Ctx = { ws: Workspace; args: Args; method: string; token: string };
type Handler = (ctx: Ctx) => Record<string, unknown>;

interface MethodSpec {
  /** Rate tier; `null` for special/unlimited methods. A function picks it per workspace. */
  tier: Tier | null | ((ws: Workspace) => Tier);
  /** Scope always needed (channel-dependent scopes are checked by the handler). */
  scope?: string;
  handler: Handler;
}

/** Raised inside a handler to answer HTTP 429. */
class RateLimited extends Error {
  constructor(readonly retryAfter: number) {
    super('ratelimited');
  }
}

const CONVERSATION_TYPES: Record<string, string> = {
  public_channel: 'channels:read',
  private_channel: 'groups:read',
  mpim: 'mpim:read',
  im: 'im:read',
};

export class SlackSimulator extends SimServer {
  readonly clock: SimClock;
  private readonly workspacesById = new Map<string, Workspace>();
  private readonly byToken = new Map<string, Workspace>();
  private readonly tiersOn: boolean;
  private readonly channelRate: { perSecond: number; burst: number } | false;
  private readonly tierBuckets = new Map<string, TokenBucket>();
  private readonly channelBuckets = new Map<string, TokenBucket>();
  private readonly faults: Array<{ remaining: number; spec: FailureSpec }> = [];
  private readonly ids = new IdSource(36 ** 9);
  private readonly triggers = new Map<string, number>();
  private readonly usedTriggers = new Set<string>();
  private lastTsMicros = 0;
  private rateLimitedCount = 0;
  /** Tokens issued by OAuth installs: their installation and expiry. */
  private readonly tokenInstalls = new Map<string, TokenInstall>();
  /** OAuth v2 installs of distributed apps (control API and oauth.v2.access). */
  readonly oauth: SlackOAuth;

  constructor(options: SlackSimulatorOptions = {}) {
    super();
    this.clock = options.clock ?? new SimClock();
    this.tiersOn = options.tiers !== false;
    this.channelRate = options.channelRate ?? { perSecond: 1, burst: 1 };
    const inputs = options.workspaces ?? [SANDBOX_WORKSPACE];
    if (inputs.length === 0) throw new Error('SlackSimulator: at least one workspace is needed');
    for (const input of inputs) {
      if (this.workspacesById.has(input.teamId)) throw new Error(`SlackSimulator: duplicate team ${input.teamId}`);
      if (this.byToken.has(input.botToken)) throw new Error(`SlackSimulator: duplicate token ${input.botToken}`);
      registerTestSecrets(input.botToken);
      const ws = new Workspace(input, this.ids, () => this.nowSeconds());
      this.workspacesById.set(ws.teamId, ws);
      this.byToken.set(ws.botToken, ws);
    }

    this.oauth = new SlackOAuth(
      {
        workspace: (teamId) => this.workspacesById.get(teamId),
        workspacesOf: (enterpriseId) =>
          [...this.workspacesById.values()].filter((w) => w.enterpriseId === enterpriseId),
        addToken: (token, ws, install) => {
          this.byToken.set(token, ws);
          this.tokenInstalls.set(token, install);
        },
      },
      this.clock,
    );
    for (const client of options.oauthClients ?? []) this.oauth.registerClient(client);
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

  // ===========================================================================================
  // Control API (plain methods, no HTTP)

  /** The value for `SLACK_API_URL` / WebClient's `slackApiUrl` (after start()). */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** Team ids, in the order given. */
  get teamIds(): string[] {
    return [...this.workspacesById.keys()];
  }

  /** The workspaces' data, OAuth-issued tokens and id counters as JSON (snapshot.ts). */
  snapshot(): unknown {
    const workspaces = [...this.workspacesById.values()].map((ws) => ({
      teamId: ws.teamId,
      channels: ws.channels,
      users: ws.users,
      messages: ws.messages,
      scheduled: ws.scheduled,
      ephemerals: ws.ephemerals,
      views: ws.views,
      revoked: ws.revoked,
    }));
    const ids = this.ids as unknown as { n: number };
    return encodeGraph({ workspaces, tokens: this.tokenInstalls, ids: ids.n, lastTsMicros: this.lastTsMicros });
  }

  /** Puts back a snapshot() into the same workspaces (created from the same options). */
  restore(snapshot: unknown): void {
    const d = decodeGraph(snapshot) as {
      workspaces?: Record<string, unknown>[];
      tokens?: unknown;
      ids?: unknown;
      lastTsMicros?: unknown;
    };
    if (!Array.isArray(d?.workspaces) || typeof d.ids !== 'number' || typeof d.lastTsMicros !== 'number')
      throw new Error('snapshot: not a Slack simulator snapshot');
    for (const w of d.workspaces) {
      const ws = this.workspacesById.get(String(w.teamId));
      if (!ws) continue;
      refill(ws.channels, w.channels);
      refill(ws.users, w.users);
      refill(ws.messages, w.messages);
      refill(ws.scheduled, w.scheduled);
      refillArray(ws.ephemerals, w.ephemerals);
      refillArray(ws.views, w.views);
      ws.revoked = w.revoked === true;
    }
    if (d.tokens instanceof Map) {
      for (const [token, install] of d.tokens as Map<string, TokenInstall>) {
        const ws = this.workspacesById.get(install.teamId);
        if (!ws) continue;
        registerTestSecrets(token);
        this.byToken.set(token, ws);
        this.tokenInstalls.set(token, install);
      }
    }
    (this.ids as unknown as { n: number }).n = d.ids;
    this.lastTsMicros = d.lastTsMicros;
  }

  addChannel(input: ChannelInput): ChannelRec {
    const ws = this.ws(input.teamId);
    if (input.id && this.findChannelAnywhere(input.id)) throw new Error(`SlackSimulator: channel ${input.id} exists`);
    return { ...ws.addChannel(input) };
  }

  updateChannel(channelId: string, patch: ChannelPatch): ChannelRec {
    const { channel } = this.locate(channelId);
    if (patch.name !== undefined) channel.name = patch.name.replace(/^#/, '');
    if (patch.isMember !== undefined) channel.isMember = patch.isMember;
    if (patch.isArchived !== undefined) channel.isArchived = patch.isArchived;
    if (patch.topic !== undefined) channel.topic = patch.topic;
    if (patch.purpose !== undefined) channel.purpose = patch.purpose;
    channel.updated = this.clock.now();
    return { ...channel };
  }

  addUser(input: UserInput): UserRec {
    return { ...this.ws(input.teamId).addUser(input) };
  }

  /** Change a user's fields; bumps its `updated` to the clock's second. */
  updateUser(userId: string, patch: UserPatch, teamId?: string): UserRec {
    const ws = this.ws(teamId);
    const u = ws.users.get(userId);
    if (!u) throw new Error(`SlackSimulator: no user ${userId} in ${ws.teamId}`);
    const { isUltraRestricted, isRestricted, ...rest } = patch;
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) (u as unknown as Record<string, unknown>)[k] = v;
    if (isUltraRestricted !== undefined) u.isUltraRestricted = isUltraRestricted;
    if (isRestricted !== undefined) u.isRestricted = isRestricted;
    if (u.isUltraRestricted) u.isRestricted = true;
    u.updated = this.nowSeconds();
    return { ...u };
  }

  /** Users of a workspace as users.list renders them (emails included). */
  users(teamId?: string): Record<string, unknown>[] {
    const ws = this.ws(teamId);
    const atMs = this.clock.now();
    return [...ws.users.values()].map((u) => ws.renderUser(u, { email: true, atMs }));
  }

  /** Seed a message from a person (default USLACKBOT), e.g. a thread parent. */
  addMessage(channelId: string, input: MessageInput): SimMessage {
    const { ws, channel } = this.locate(channelId);
    if (input.threadTs !== undefined) this.threadParent(ws, channel, input.threadTs);
    const msg = this.store(ws, channel, {
      type: 'message',
      text: input.text ?? '',
      blocks: input.blocks,
      user: input.user ?? SLACKBOT_ID,
      team: ws.teamId,
      thread_ts: input.threadTs,
      metadata: input.metadata,
    });
    return clone(msg);
  }

  /** Messages of a channel in posting order (thread replies included), after due scheduled ones post. */
  messages(channelId: string): SimMessage[] {
    const { ws, channel } = this.locate(channelId);
    this.flushScheduled(ws);
    return (ws.messages.get(channel.id) ?? []).map(clone);
  }

  /** Messages still scheduled for a channel, by post_at. */
  scheduled(channelId: string): SimScheduled[] {
    const { ws, channel } = this.locate(channelId);
    this.flushScheduled(ws);
    return (ws.scheduled.get(channel.id) ?? []).map(clone);
  }

  ephemerals(channelId?: string, teamId?: string): SimEphemeral[] {
    return this.ws(teamId)
      .ephemerals.filter((e) => channelId === undefined || e.channel === channelId)
      .map(clone);
  }

  /** Views opened through views.open. */
  views(teamId?: string): SimView[] {
    return this.ws(teamId).views.map(clone);
  }

  /** A fresh trigger id (as an interaction payload carries), valid for 3 s of the clock. */
  issueTrigger(): string {
    const id = `trg-${this.ids.next('').toLowerCase()}`;
    this.triggers.set(id, this.clock.now());
    return id;
  }

  /** Every later call with this token answers `token_revoked`. */
  revokeToken(token: string): void {
    const ws = this.byToken.get(token);
    if (!ws) throw new Error(`SlackSimulator: unknown token ${token}`);
    ws.revoked = true;
  }

  /** The next `n` /api requests fail as described (served before auth and limits). */
  failNext(n: number, spec: FailureSpec = {}): void {
    if (n > 0) this.faults.push({ remaining: n, spec: { ...spec } });
  }

  stats(): SlackSimStats {
    const byMethod: Record<string, number> = {};
    for (const r of this.log.records) {
      const m = r.path.startsWith('/api/') ? r.path.slice(5) : r.path;
      byMethod[m] = (byMethod[m] ?? 0) + 1;
    }
    return { requests: this.log.records.length, rateLimited: this.rateLimitedCount, byMethod };
  }

  resetStats(): void {
    this.log.clear();
    this.rateLimitedCount = 0;
  }

  /** Refill every tier and channel bucket. */
  resetLimits(): void {
    this.tierBuckets.clear();
    this.channelBuckets.clear();
  }

  // ===========================================================================================
  // HTTP plumbing

  private api(method: string, spec: MethodSpec): void {
    const handler = (req: SimRequest) => this.dispatch(method, spec, req);
    this.route('POST', `/api/${method}`, handler);
    this.route('GET', `/api/${method}`, handler);
  }

  private dispatch(method: string, spec: MethodSpec, req: SimRequest): SimResponse {
    const fault = this.takeFault();
    if (fault) return fault;
    const parsed = this.parseArgs(req);
    if ('error' in parsed) return ok200({ ok: false, error: parsed.error });
    const { args, token } = parsed;
    if (!token) return ok200({ ok: false, error: 'not_authed' });
    const ws = this.byToken.get(token);
    if (!ws) return ok200({ ok: false, error: 'invalid_auth' });
    if (ws.revoked) return ok200({ ok: false, error: 'token_revoked' });
    const expiresAt = this.tokenInstalls.get(token)?.expiresAt;
    if (expiresAt !== undefined && expiresAt <= this.clock.now()) return ok200({ ok: false, error: 'token_expired' });
    this.flushScheduled(ws);
    const headers = { 'X-OAuth-Scopes': [...ws.scopes].join(','), 'X-Accepted-OAuth-Scopes': spec.scope ?? '' };
    try {
      if (spec.scope) this.requireScope(ws, spec.scope);
      const tier = typeof spec.tier === 'function' ? spec.tier(ws) : spec.tier;
      if (tier !== null && this.tiersOn) {
        const perMinute = TIERS[tier];
        const taken = this.bucket(this.tierBuckets, `${token}|${method}`, perMinute / 60, perMinute / 10).take();
        if (!taken.ok) throw new RateLimited(taken.retryAfterSeconds);
      }
      return { ...ok200({ ok: true, ...spec.handler({ ws, args, method, token }) }), headers };
    } catch (err) {
      if (err instanceof SlackApiError) return { ...ok200({ ok: false, error: err.code, ...err.extra }), headers };
      if (err instanceof RateLimited) {
        this.rateLimitedCount++;
        return rateLimited(err.retryAfter);
      }
      throw err;
    }
  }

  private takeFault(): SimResponse | undefined {
    const fault = this.faults[0];
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.shift();
    const { spec } = fault;
    const status = spec.status ?? (spec.retryAfter !== undefined ? 429 : 200);
    const headers: Record<string, string> = {};
    const retryAfter = spec.retryAfter ?? (status === 429 ? 1 : undefined);
    if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
    const error = spec.error ?? (status === 429 ? 'ratelimited' : 'internal_error');
    return { status, headers, body: { ok: false, error } };
  }

  /** Query-string arguments overlaid by the body (form or JSON); the token from header or form. */
  private parseArgs(req: SimRequest): { args: Args; token: string | undefined } | { error: string } {
    const args: Args = {};
    for (const [k, v] of req.query) args[k] = v;
    delete args.token;
    let token: string | undefined;
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
    if (req.rawBody.length > 0) {
      if (contentType.includes('json')) {
        if (!isRecord(req.body)) return { error: 'invalid_json' };
        Object.assign(args, req.body);
        delete args.token;
      } else if (contentType.includes('x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(req.rawBody.toString('utf8'))) args[k] = v;
        if (typeof args.token === 'string' && args.token !== '') token = args.token;
        delete args.token;
      }
    }
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && /^Bearer\s+\S/i.test(auth)) token = auth.replace(/^Bearer\s+/i, '').trim();
    return { args, token };
  }

  protected invalidJson(): SimResponse {
    return ok200({ ok: false, error: 'invalid_json' });
  }

  protected notFound(req: SimRequest): SimResponse {
    const method = req.path.startsWith('/api/') ? req.path.slice(5) : req.path;
    return { status: 404, body: { ok: false, error: 'unknown_method', req_method: method } };
  }

  // ===========================================================================================
  // Shared helpers

  private ws(teamId?: string): Workspace {
    const ws = teamId === undefined ? this.workspacesById.values().next().value : this.workspacesById.get(teamId);
    if (!ws) throw new Error(`SlackSimulator: unknown team ${teamId}`);
    return ws;
  }

  private findChannelAnywhere(channelId: string): { ws: Workspace; channel: ChannelRec } | undefined {
    for (const ws of this.workspacesById.values()) {
      const channel = ws.channels.get(channelId);
      if (channel) return { ws, channel };
    }
    return undefined;
  }

  private locate(channelId: string): { ws: Workspace; channel: ChannelRec } {
    const found = this.findChannelAnywhere(channelId);
    if (!found) throw new Error(`SlackSimulator: unknown channel ${channelId}`);
    return found;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  private bucket(map: Map<string, TokenBucket>, key: string, perSecond: number, burst: number): TokenBucket {
    let b = map.get(key);
    if (!b) {
      b = new TokenBucket(perSecond, Math.max(1, Math.floor(burst)), () => this.clock.now());
      map.set(key, b);
    }
    return b;
  }

  private requireScope(ws: Workspace, scope: string): void {
    if (!ws.scopes.has(scope)) {
      throw new SlackApiError('missing_scope', { needed: scope, provided: [...ws.scopes].join(',') });
    }
  }

  /** Strictly increasing `<seconds>.<micros>` from the clock (or a later given instant). */
  private nextTs(atMicros = this.clock.now() * 1000): string {
    this.lastTsMicros = Math.max(this.lastTsMicros + 1, Math.floor(atMicros));
    return formatTs(this.lastTsMicros);
  }

  private store(ws: Workspace, channel: ChannelRec, msg: Omit<SimMessage, 'ts'>, atMicros?: number): SimMessage {
    const stored = dropUndefined({ ...msg, ts: this.nextTs(atMicros) }) as SimMessage;
    if (stored.text.length > MAX_TEXT) stored.text = stored.text.slice(0, MAX_TEXT);
    if (stored.thread_ts !== undefined) {
      const parent = this.threadParent(ws, channel, stored.thread_ts);
      parent.thread_ts = parent.ts;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      const author = stored.user ?? stored.bot_id ?? '';
      parent.reply_users = [...new Set([...(parent.reply_users ?? []), author])];
      parent.latest_reply = stored.ts;
      if (stored.reply_broadcast) stored.subtype = 'thread_broadcast';
    } else {
      delete stored.reply_broadcast;
    }
    ws.messages.get(channel.id)?.push(stored);
    return stored;
  }

  private threadParent(ws: Workspace, channel: ChannelRec, threadTs: string): SimMessage {
    const parent = ws.messages
      .get(channel.id)
      ?.find((m) => m.ts === threadTs && (m.thread_ts === undefined || m.thread_ts === m.ts));
    if (!parent) throw new SlackApiError('thread_not_found');
    return parent;
  }

  /** A channel the bot can read (conversations.info/history): hidden private channels are not found. */
  private readableChannel(ws: Workspace, args: Args): ChannelRec {
    const ref = str(args, 'channel');
    const channel = ref ? ws.findChannel(ref) : undefined;
    if (!channel || !ws.visible(channel)) throw new SlackApiError('channel_not_found');
    return channel;
  }

  /** A channel the bot may post to (chat.postMessage / scheduleMessage / postEphemeral). */
  private postableChannel(ws: Workspace, args: Args): ChannelRec {
    const ref = str(args, 'channel');
    const channel = ref ? ws.findChannel(ref) : undefined;
    if (!channel) throw new SlackApiError('channel_not_found');
    if (channel.isArchived) throw new SlackApiError('is_archived');
    if (!channel.isMember && (channel.isPrivate || !ws.scopes.has('chat:write.public'))) {
      throw new SlackApiError('not_in_channel');
    }
    return channel;
  }

  /** text / blocks / attachments of a message, validated (`no_text`, `invalid_blocks`…). */
  private content(args: Args): { text: string; blocks?: unknown[]; attachments?: unknown[] } {
    const text = str(args, 'text');
    const blocks = jsonArg(args, 'blocks', 'invalid_blocks_format');
    const attachments = jsonArg(args, 'attachments', 'invalid_attachments');
    const markdown = str(args, 'markdown_text');
    if (blocks !== undefined) {
      if (!Array.isArray(blocks)) throw new SlackApiError('invalid_blocks_format');
      const errors = validateBlocks(blocks, MAX_MESSAGE_BLOCKS);
      if (errors.length > 0) throw validationFailure('invalid_blocks', errors);
    }
    if (attachments !== undefined && !Array.isArray(attachments)) throw new SlackApiError('invalid_attachments');
    if (markdown !== undefined) {
      if (text !== undefined || blocks !== undefined) throw new SlackApiError('markdown_text_conflict');
      if (markdown.length > 12_000) throw new SlackApiError('msg_too_long');
    }
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
    if (text === undefined && !hasBlocks && !hasAttachments && markdown === undefined) {
      throw new SlackApiError('no_text');
    }
    return {
      text: text ?? markdown ?? '',
      blocks: hasBlocks ? (blocks as unknown[]) : undefined,
      attachments: hasAttachments ? (attachments as unknown[]) : undefined,
    };
  }

  private metadata(args: Args): MessageMetadata | undefined {
    const m = jsonArg(args, 'metadata', 'invalid_metadata_format');
    if (m === undefined) return undefined;
    if (!isRecord(m) || typeof m.event_type !== 'string' || m.event_type === '' || !isRecord(m.event_payload)) {
      throw new SlackApiError('invalid_metadata_format');
    }
    return { event_type: m.event_type, event_payload: m.event_payload };
  }

  private botFields(ws: Workspace): { user: string; bot_id: string; app_id: string; team: string } {
    return { user: ws.botUserId, bot_id: ws.botId, app_id: ws.appId, team: ws.teamId };
  }

  private botProfile(ws: Workspace): Record<string, unknown> {
    return { id: ws.botId, app_id: ws.appId, name: ws.botName, deleted: false, team_id: ws.teamId };
  }

  private renderMessage(m: SimMessage, withMetadata: boolean): Record<string, unknown> {
    const { unfurl_links: _l, unfurl_media: _m, metadata, reply_broadcast: _b, ...rest } = clone(m);
    return withMetadata && metadata ? { ...rest, metadata } : rest;
  }

  private flushScheduled(ws: Workspace): void {
    const nowS = this.clock.now() / 1000;
    for (const [channelId, list] of ws.scheduled) {
      if (!list.some((s) => s.post_at <= nowS)) continue;
      const channel = ws.channels.get(channelId);
      const due = list.filter((s) => s.post_at <= nowS).sort((a, b) => a.post_at - b.post_at);
      ws.scheduled.set(
        channelId,
        list.filter((s) => s.post_at > nowS),
      );
      if (!channel) continue;
      for (const s of due) {
        if (s.metadata) continue; // "messages scheduled with the metadata parameter will not post"
        try {
          this.store(
            ws,
            channel,
            {
              type: 'message',
              text: s.text,
              blocks: s.blocks,
              thread_ts: s.thread_ts,
              reply_broadcast: s.reply_broadcast,
              ...this.botFields(ws),
            },
            s.post_at * 1_000_000,
          );
        } catch (err) {
          if (!(err instanceof SlackApiError)) throw err;
        }
      }
    }
  }

  /** `limit` as given (0 or absent → the method's default; above the max → the max). */
  private limit(args: Args): number | undefined {
    const limit = int(args, 'limit');
    if (limit !== undefined && limit < 0) throw new SlackApiError('invalid_limit');
    return limit;
  }

  // ===========================================================================================
  // auth / team

  private authTest({ ws, token }: Ctx) {
    const install = this.tokenInstalls.get(token);
    return {
      url: ws.url,
      team: ws.teamName,
      user: ws.botName,
      team_id: ws.teamId,
      user_id: ws.botUserId,
      bot_id: ws.botId,
      ...(ws.enterpriseId ? { enterprise_id: ws.enterpriseId } : {}),
      is_enterprise_install: install?.isEnterpriseInstall ?? false,
      ...(install?.expiresAt !== undefined
        ? { expires_in: Math.max(0, Math.floor((install.expiresAt - this.clock.now()) / 1000)) }
        : {}),
    };
  }

  private teamInfo({ ws }: Ctx) {
    return {
      team: {
        id: ws.teamId,
        name: ws.teamName,
        url: ws.url,
        domain: ws.domain,
        email_domain: '',
        icon: { image_default: true, image_34: '', image_44: '', image_68: '', image_88: '', image_102: '' },
        avatar_base_url: 'https://ca.slack-edge.example/',
        is_verified: false,
      },
    };
  }

  // ===========================================================================================
  // conversations.*

  private conversationsList({ ws, args }: Ctx) {
    const types = (str(args, 'types') ?? 'public_channel').split(',').map((t) => t.trim());
    for (const t of types) if (!Object.hasOwn(CONVERSATION_TYPES, t)) throw new SlackApiError('invalid_types');
    for (const t of types) this.requireScope(ws, CONVERSATION_TYPES[t]!);
    const excludeArchived = bool(args, 'exclude_archived') ?? false;
    const items = [...ws.channels.values()].filter(
      (c) =>
        ws.visible(c) &&
        types.includes(c.isPrivate ? 'private_channel' : 'public_channel') &&
        !(excludeArchived && c.isArchived),
    );
    const { page, nextCursor } = paginate(
      items,
      (c) => c.id,
      'team',
      str(args, 'cursor'),
      this.limit(args),
      100,
      MAX_LIMIT,
    );
    return { channels: page.map((c) => ws.renderChannel(c)), response_metadata: { next_cursor: nextCursor } };
  }

  private conversationsInfo({ ws, args }: Ctx) {
    const channel = this.readableChannel(ws, args);
    this.requireScope(ws, channel.isPrivate ? 'groups:read' : 'channels:read');
    return { channel: ws.renderChannel(channel) };
  }

  private historyChannel(ws: Workspace, args: Args): ChannelRec {
    const channel = this.readableChannel(ws, args);
    this.requireScope(ws, channel.isPrivate ? 'groups:history' : 'channels:history');
    if (!channel.isMember) throw new SlackApiError('not_in_channel');
    return channel;
  }

  /** Default and max `limit` of conversations.history/replies (15/15 for new non-Marketplace apps). */
  private historyPage(ws: Workspace): { fallback: number; max: number } {
    return ws.newNonMarketplaceApp ? { fallback: 15, max: 15 } : { fallback: 100, max: 999 };
  }

  private conversationsHistory({ ws, args }: Ctx) {
    const channel = this.historyChannel(ws, args);
    const inclusive = bool(args, 'inclusive') ?? false;
    const oldest = parseTsArg(args, 'oldest') ?? 0;
    const latest = parseTsArg(args, 'latest') ?? Number.MAX_SAFE_INTEGER;
    const withMetadata = bool(args, 'include_all_metadata') ?? false;
    const all = (ws.messages.get(channel.id) ?? [])
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.subtype === 'thread_broadcast')
      .filter((m) => {
        const t = parseTs(m.ts) ?? 0;
        return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
      })
      .reverse();
    const { fallback, max } = this.historyPage(ws);
    const { page, nextCursor } = paginate(
      all,
      (m) => m.ts,
      'next_ts',
      str(args, 'cursor'),
      this.limit(args),
      fallback,
      max,
    );
    return {
      messages: page.map((m) => this.renderMessage(m, withMetadata)),
      has_more: nextCursor !== '',
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      response_metadata: { next_cursor: nextCursor },
    };
  }

  private conversationsReplies({ ws, args }: Ctx) {
    const channel = this.historyChannel(ws, args);
    const ts = str(args, 'ts');
    const list = ws.messages.get(channel.id) ?? [];
    const target = ts ? list.find((m) => m.ts === ts) : undefined;
    if (!target) throw new SlackApiError('thread_not_found');
    const isParent = target.thread_ts === undefined || target.thread_ts === target.ts;
    const thread = isParent ? [target, ...list.filter((m) => m.thread_ts === target.ts && m !== target)] : [target];
    const withMetadata = bool(args, 'include_all_metadata') ?? false;
    const { fallback, max } = this.historyPage(ws);
    const { page, nextCursor } = paginate(
      thread,
      (m) => m.ts,
      'next_ts',
      str(args, 'cursor'),
      this.limit(args),
      fallback,
      max,
    );
    return {
      messages: page.map((m) => this.renderMessage(m, withMetadata)),
      has_more: nextCursor !== '',
      response_metadata: { next_cursor: nextCursor },
    };
  }

  // ===========================================================================================
  // chat.*

  private postMessage({ ws, args }: Ctx) {
    const channel = this.postableChannel(ws, args);
    const content = this.content(args);
    const threadTs = str(args, 'thread_ts');
    if (threadTs !== undefined) this.threadParent(ws, channel, threadTs);
    const metadata = this.metadata(args);
    const replyBroadcast = threadTs !== undefined ? (bool(args, 'reply_broadcast') ?? false) : undefined;
    const unfurlLinks = bool(args, 'unfurl_links');
    const unfurlMedia = bool(args, 'unfurl_media');
    if (this.channelRate) {
      const { perSecond, burst } = this.channelRate;
      const taken = this.bucket(this.channelBuckets, `${ws.teamId}|${channel.id}`, perSecond, burst).take();
      if (!taken.ok) throw new RateLimited(taken.retryAfterSeconds);
    }
    const msg = this.store(ws, channel, {
      type: 'message',
      ...content,
      ...this.botFields(ws),
      thread_ts: threadTs,
      reply_broadcast: replyBroadcast,
      metadata,
      unfurl_links: unfurlLinks,
      unfurl_media: unfurlMedia,
    });
    return {
      channel: channel.id,
      ts: msg.ts,
      message: { ...this.renderMessage(msg, true), bot_profile: this.botProfile(ws) },
    };
  }

  private chatUpdate({ ws, args }: Ctx) {
    const ref = str(args, 'channel');
    const channel = ref ? ws.findChannel(ref) : undefined;
    if (!channel || !ws.visible(channel)) throw new SlackApiError('channel_not_found');
    const ts = str(args, 'ts');
    const msg = ts ? ws.messages.get(channel.id)?.find((m) => m.ts === ts) : undefined;
    if (!msg) throw new SlackApiError('message_not_found');
    if (msg.bot_id !== ws.botId) throw new SlackApiError('cant_update_message');
    if (channel.isArchived) throw new SlackApiError('is_archived');
    const content = this.content(args);
    msg.text = content.text.slice(0, MAX_TEXT);
    if (args.blocks !== undefined) {
      if (content.blocks) msg.blocks = content.blocks;
      else delete msg.blocks;
    }
    const metadata = this.metadata(args);
    if (metadata) msg.metadata = metadata;
    msg.edited = { user: ws.botUserId, ts: this.nextTs() };
    return { channel: channel.id, ts: msg.ts, text: msg.text, message: this.renderMessage(msg, true) };
  }

  private postEphemeral({ ws, args }: Ctx) {
    const channel = this.postableChannel(ws, args);
    const userId = str(args, 'user');
    const user = userId ? ws.users.get(userId) : undefined;
    if (!user || user.deleted) throw new SlackApiError('user_not_found');
    const content = this.content(args);
    const threadTs = str(args, 'thread_ts');
    const messageTs = this.nextTs();
    ws.ephemerals.push(
      dropUndefined({
        channel: channel.id,
        user: user.id,
        message_ts: messageTs,
        text: content.text,
        blocks: content.blocks,
        thread_ts: threadTs,
      }) as SimEphemeral,
    );
    return { message_ts: messageTs };
  }

  private scheduleMessage({ ws, args }: Ctx) {
    const channel = this.postableChannel(ws, args);
    const postAtRaw = args.post_at;
    if (postAtRaw === undefined || postAtRaw === '') throw new SlackApiError('invalid_time');
    let postAt: number | undefined;
    try {
      postAt = int(args, 'post_at');
    } catch {
      throw new SlackApiError('invalid_time');
    }
    if (postAt === undefined) throw new SlackApiError('invalid_time');
    const now = this.clock.now() / 1000;
    if (postAt <= now) throw new SlackApiError('time_in_past');
    if (postAt > now + SCHEDULE_HORIZON_S) throw new SlackApiError('time_too_far');
    const content = this.content(args);
    const threadTs = str(args, 'thread_ts');
    if (threadTs !== undefined) this.threadParent(ws, channel, threadTs);
    const metadata = this.metadata(args);
    const list = ws.scheduled.get(channel.id) ?? [];
    if (busiestWindow(list, postAt) >= SCHEDULE_WINDOW_MAX) throw new SlackApiError('restricted_too_many');
    const rec = dropUndefined({
      id: this.ids.next('Q'),
      channel_id: channel.id,
      post_at: postAt,
      date_created: this.nowSeconds(),
      text: content.text,
      blocks: content.blocks,
      thread_ts: threadTs,
      reply_broadcast: threadTs !== undefined ? (bool(args, 'reply_broadcast') ?? false) : undefined,
      metadata,
    }) as SimScheduled;
    list.push(rec);
    list.sort((a, b) => a.post_at - b.post_at);
    ws.scheduled.set(channel.id, list);
    return {
      channel: channel.id,
      scheduled_message_id: rec.id,
      post_at: rec.post_at,
      message: dropUndefined({
        type: 'delayed_message',
        text: rec.text,
        blocks: rec.blocks,
        ...this.botFields(ws),
        bot_profile: this.botProfile(ws),
      }),
    };
  }

  private scheduledList({ ws, args }: Ctx) {
    const ref = str(args, 'channel');
    let channels = [...ws.channels.values()];
    if (ref) {
      const channel = ws.findChannel(ref);
      if (!channel || !ws.visible(channel)) throw new SlackApiError('channel_not_found');
      channels = [channel];
    }
    const oldest = Number(str(args, 'oldest') ?? 0);
    const latest = Number(str(args, 'latest') ?? Number.MAX_SAFE_INTEGER);
    const items = channels
      .flatMap((c) => ws.scheduled.get(c.id) ?? [])
      .filter((s) => s.post_at >= oldest && s.post_at <= latest)
      .sort((a, b) => a.post_at - b.post_at || (a.id < b.id ? -1 : 1));
    const { page, nextCursor } = paginate(
      items,
      (s) => s.id,
      'scheduled',
      str(args, 'cursor'),
      this.limit(args),
      100,
      MAX_LIMIT,
    );
    return {
      scheduled_messages: page.map((s) => ({
        id: s.id,
        channel_id: s.channel_id,
        post_at: s.post_at,
        date_created: s.date_created,
        text: s.text,
      })),
      response_metadata: { next_cursor: nextCursor },
    };
  }

  private deleteScheduled({ ws, args }: Ctx) {
    const ref = str(args, 'channel');
    const channel = ref ? ws.findChannel(ref) : undefined;
    if (!channel || !ws.visible(channel)) throw new SlackApiError('channel_not_found');
    const id = str(args, 'scheduled_message_id');
    const list = ws.scheduled.get(channel.id) ?? [];
    const idx = id ? list.findIndex((s) => s.id === id) : -1;
    if (idx < 0) throw new SlackApiError('invalid_scheduled_message_id');
    list.splice(idx, 1);
    return {};
  }

  // ===========================================================================================
  // users.*

  private usersList({ ws, args }: Ctx) {
    const users = [...ws.users.values()];
    const limit = this.limit(args);
    if ((limit === undefined || limit === 0) && users.length > UNPAGINATED_USERS_MAX) {
      throw new SlackApiError('limit_required');
    }
    const { page, nextCursor } = paginate(users, (u) => u.id, 'user', str(args, 'cursor'), limit, 0, MAX_LIMIT);
    const opts = {
      email: ws.scopes.has('users:read.email'),
      locale: bool(args, 'include_locale') ?? false,
      atMs: this.clock.now(),
    };
    return {
      members: page.map((u) => ws.renderUser(u, opts)),
      cache_ts: this.nowSeconds(),
      response_metadata: { next_cursor: nextCursor },
    };
  }

  private usersInfo({ ws, args }: Ctx) {
    const id = str(args, 'user');
    const user = id ? ws.users.get(id) : undefined;
    if (!user) throw new SlackApiError('user_not_found');
    return {
      user: ws.renderUser(user, {
        email: ws.scopes.has('users:read.email'),
        locale: bool(args, 'include_locale') ?? false,
        atMs: this.clock.now(),
      }),
    };
  }

  private lookupByEmail({ ws, args }: Ctx) {
    const email = str(args, 'email')?.toLowerCase();
    if (!email) throw new SlackApiError('invalid_arguments', { argument: 'email' });
    const user = [...ws.users.values()].find((u) => u.email?.toLowerCase() === email);
    if (!user) throw new SlackApiError('users_not_found');
    return { user: ws.renderUser(user, { email: true, atMs: this.clock.now() }) };
  }

  // ===========================================================================================
  // views.open

  private viewsOpen({ ws, args }: Ctx) {
    const trigger = str(args, 'trigger_id') ?? '';
    if (!trigger.startsWith('trg-')) throw new SlackApiError('invalid_trigger_id');
    if (this.usedTriggers.has(trigger)) throw new SlackApiError('trigger_exchanged');
    const issued = this.triggers.get(trigger);
    if (issued !== undefined && this.clock.now() - issued > TRIGGER_TTL_MS)
      throw new SlackApiError('expired_trigger_id');
    const view = jsonArg(args, 'view', 'invalid_arguments');
    const errors = validateView(view);
    if (errors.length > 0) throw validationFailure('invalid_arguments', errors);
    this.usedTriggers.add(trigger);
    const v = view as Record<string, unknown>;
    const id = this.ids.next('V');
    const rendered = {
      id,
      team_id: ws.teamId,
      type: 'modal',
      blocks: v.blocks,
      private_metadata: v.private_metadata ?? '',
      callback_id: v.callback_id ?? '',
      external_id: v.external_id ?? '',
      state: { values: {} },
      hash: `${this.nowSeconds()}.${id.toLowerCase()}`,
      title: v.title,
      clear_on_close: v.clear_on_close ?? false,
      notify_on_close: v.notify_on_close ?? false,
      close: v.close ?? null,
      submit: v.submit ?? null,
      previous_view_id: null,
      root_view_id: id,
      app_id: ws.appId,
      bot_id: ws.botId,
    };
    ws.views.push({ id, teamId: ws.teamId, triggerId: trigger, view: rendered });
    return { view: rendered };
  }
}

// =============================================================================================

function ok200(body: Record<string, unknown>): SimResponse {
  return { status: 200, body };
}

function rateLimited(retryAfter: number): SimResponse {
  return {
    status: 429,
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfter))) },
    body: { ok: false, error: 'ratelimited' },
  };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function dropUndefined<T extends Record<string, unknown>>(obj: T): T {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  return obj;
}

/** `oldest` / `latest` as microseconds (they are ts strings or plain seconds). */
function parseTsArg(args: Args, key: string): number | undefined {
  const raw = str(args, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new SlackApiError(`invalid_ts_${key}`);
  return parseTs(raw) ?? Math.round(n * 1_000_000);
}

/** Most scheduled messages any 300 s window holding `postAt` already has. */
function busiestWindow(list: SimScheduled[], postAt: number): number {
  const near = list.map((s) => s.post_at).filter((t) => Math.abs(t - postAt) < SCHEDULE_WINDOW_S);
  let best = 0;
  for (let start = postAt - SCHEDULE_WINDOW_S + 1; start <= postAt && near.length > best; start++) {
    const count = near.filter((t) => t >= start && t < start + SCHEDULE_WINDOW_S).length;
    best = Math.max(best, count);
  }
  return best;
}
