/**
 * The Slack Web API methods the connector calls, over the paced fetch: posting is paced per channel
 * (Slack allows about one message a second in a channel), every other method with a rate tier is
 * paced under its tier per workspace install, a 429 pauses the method (or channel) for its
 * Retry-After, and `ok:false` answers become SlackApiError with Slack's error code.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TajoError, UnreachableError } from '../../core/errors';
import { issueSummary, maybe, readAnswer } from '../../core/http/answer';
import { type CallStats, pacedFetch, parseRetryAfter } from '../../core/http/paced-fetch';
import { createOnce } from '../../core/http/retry-policy';
import type { Clock } from '../../core/ports';
import { Pacer } from '../../core/ratelimit/pacer';

export const SLACK_DEFAULT_API_URL = 'https://slack.com/api/';
/** chat.postMessage: one message per second per channel (short bursts tolerated). */
export const SLACK_CHANNEL_INTERVAL_MS = 1_050;

/** Requests per minute of Slack's rate tiers (reference/slack.md §5: "1+/min, 20+/min, ..."). */
export const SLACK_TIER_PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;
export type SlackTier = keyof typeof SLACK_TIER_PER_MINUTE;

/**
 * The tier of each method we may call (reference/slack.md §5). Methods absent here are Special
 * (auth.test, oauth.v2.access) or paced elsewhere: chat.postMessage is paced per channel instead.
 * conversations.history/replies are Tier 1 for new non-Marketplace apps; Tier 3 is the baseline.
 */
export const SLACK_METHOD_TIERS: Readonly<Record<string, SlackTier>> = {
  'users.list': 2,
  'conversations.list': 2,
  'team.info': 3,
  'conversations.info': 3,
  'conversations.history': 3,
  'conversations.replies': 3,
  'chat.update': 3,
  'chat.scheduleMessage': 3,
  'chat.scheduledMessages.list': 3,
  'chat.deleteScheduledMessage': 3,
  'users.lookupByEmail': 3,
  'users.info': 4,
  'chat.postEphemeral': 4,
  'views.open': 4,
};

/**
 * Slack methods whose repetition is harmless. Not here, so retried by pacedFetch only when Slack
 * provably did not take them (429, connection refused): chat.postMessage (postMessage resolves a
 * lost answer by reading the channel back for the post's key) and chat.scheduleMessage (scheduled
 * messages cannot carry metadata: a lost answer fails the call, at most once).
 */
function isRepeatableSlackMethod(method: string): boolean {
  return (
    method === 'auth.test' ||
    method === 'chat.update' ||
    method === 'team.info' ||
    /^(users|conversations)\.(list|info|history|replies|lookupByEmail)$/.test(method) ||
    method === 'chat.scheduledMessages.list'
  );
}

/** Spacing that keeps one method of one workspace install at its tier's rate. */
export function tierIntervalMs(tier: SlackTier): number {
  return Math.ceil(60_000 / SLACK_TIER_PER_MINUTE[tier]);
}

/** chat.scheduleMessage refuses post_at more than 120 days ahead (time_too_far). */
export const SLACK_SCHEDULE_HORIZON_S = 120 * 86_400;

/** Errors that retrying cannot fix: the token, the channel, the payload. */
const PERMANENT = new Set([
  'not_authed',
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'missing_scope',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'msg_too_long',
  'no_text',
  'restricted_action',
]);

export class SlackApiError extends TajoError {
  constructor(
    readonly method: string,
    readonly error: string,
  ) {
    super(`Slack ${method} failed: ${error}${hint(error)}`, `slack_${error}`);
  }
  get permanent(): boolean {
    return PERMANENT.has(this.error);
  }
}

function hint(error: string): string {
  switch (error) {
    case 'not_in_channel':
      return ' (invite the app to the channel, or give it chat:write.public)';
    case 'channel_not_found':
      return ' (check the channel id in connectors.slack.channels)';
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
      return ' (check connectors.slack.bot_token)';
    case 'missing_scope':
      return ' (add the scope to the Slack app and reinstall it)';
    case 'token_expired':
      return ' (a rotating token was not refreshed in time: install the app again if it keeps failing)';
    case 'invalid_refresh_token':
      return ' (the rotation lost its refresh token: install the app again)';
    case 'bad_redirect_uri':
      return " (the redirect URL differs from the authorize step's or is not in the app's OAuth settings)";
    case 'invalid_client_id':
    case 'bad_client_secret':
      return " (check the Slack app's client_id and client_secret in the deployment's app secret)";
    default:
      return '';
  }
}

/*
 * Answers are read for what each call needs (`ok` is checked in answer()); every other field is
 * optional and may be null, as Slack's method references and the SDK's response types have it.
 */
const postResponse = z.looseObject({ ts: z.string(), channel: maybe(z.string()) });
const authTestResponse = z.looseObject({
  team_id: z.string(),
  team: maybe(z.string()),
  user_id: maybe(z.string()),
  bot_id: maybe(z.string()),
});

export interface SlackAnswer {
  ok: boolean;
  error?: string;
  /** With missing_scope: the scope the method needs. */
  needed?: string;
  /** The token's scopes (X-OAuth-Scopes); empty when Slack did not send the header. */
  scopes: string[];
  body: Record<string, unknown>;
}

export interface SlackClientOptions {
  token: string;
  apiUrl?: string;
  clock: Clock;
  stats: CallStats;
  maxInProcessWaitMs?: number;
}

/**
 * Channel pacers are shared in the process (one channel's lane may run in several workers' turns),
 * per clock: a pacer sleeps on the clock it was made with, so tests on different clocks keep apart.
 */
const channelPacersByClock = new WeakMap<Clock, Map<string, Pacer>>();

/**
 * Method pacers, shared in the process per workspace install and method (Slack counts tiers "per
 * API method per app per workspace": one bot token is one app in one workspace), and per clock so
 * tests on different clocks do not share slots.
 */
const methodPacersByClock = new WeakMap<Clock, Map<string, Pacer>>();

/** The pacer of one tiered method for one bot token; undefined for untiered methods. */
export function slackMethodPacer(token: string, method: string, clock: Clock): Pacer | undefined {
  const tier = SLACK_METHOD_TIERS[method];
  if (tier === undefined) return undefined;
  let byKey = methodPacersByClock.get(clock);
  if (!byKey) {
    byKey = new Map();
    methodPacersByClock.set(clock, byKey);
  }
  // A hash, never the token itself, names the pacer.
  const key = `${createHash('sha256').update(token).digest('hex').slice(0, 32)}:${method}`;
  let pacer = byKey.get(key);
  if (!pacer) {
    pacer = new Pacer(tierIntervalMs(tier), clock);
    byKey.set(key, pacer);
  }
  return pacer;
}

/** The metadata event type of our posts: what a read-back after a lost answer looks for. */
const POST_EVENT_TYPE = 'tajo_post';
/** Messages read back: the channel takes about one a second, the retries last seconds. */
const READ_BACK_MESSAGES = 50;
const historyResponse = z.looseObject({ messages: maybe(z.array(z.unknown())).transform((m) => m ?? []) });
const postedSchema = z.looseObject({
  ts: z.string(),
  metadata: maybe(
    z.looseObject({ event_type: maybe(z.string()), event_payload: maybe(z.looseObject({ key: maybe(z.string()) })) }),
  ),
});

/** A post that may have been made although we have no answer: a 5xx, or the network (reset, stall). */
function isAnswerLost(err: unknown): boolean {
  if (err instanceof UnreachableError) return true;
  return err instanceof SlackApiError && /^http_5\d\d$/.test(err.error);
}

const scheduleResponse = z.looseObject({
  channel: maybe(z.string()),
  scheduled_message_id: z.string(),
  post_at: maybe(z.coerce.number()).catch(undefined),
});
const memberSchema = z.looseObject({ id: z.string() });
const usersListResponse = z.looseObject({
  members: z.array(z.unknown()),
  response_metadata: maybe(z.looseObject({ next_cursor: maybe(z.string()) })).catch(undefined),
});
export type SlackMember = z.output<typeof memberSchema>;
const conversationsListResponse = z.looseObject({
  channels: z.array(z.looseObject({ id: z.string(), name: maybe(z.string()) }).catch({ id: '' })),
  response_metadata: maybe(z.looseObject({ next_cursor: maybe(z.string()) })).catch(undefined),
});

/** Logged Slack bodies are personal as a whole: messages built from contact data, people's text. */
export const SLACK_BODIES = 'all';

export class SlackClient {
  private readonly fetch: typeof fetch;
  private readonly base: string;

  constructor(private readonly opts: SlackClientOptions) {
    this.base = (opts.apiUrl ?? SLACK_DEFAULT_API_URL).replace(/\/?$/, '/');
    this.fetch = pacedFetch({
      provider: 'slack',
      personalBodies: SLACK_BODIES,
      clock: opts.clock,
      stats: opts.stats,
      // The method is the last path segment (`…/api/users.list`).
      pacerFor: (url) =>
        slackMethodPacer(opts.token, url.pathname.slice(url.pathname.lastIndexOf('/') + 1), opts.clock),
      retryAfterMs: (res) => parseRetryAfter(res.headers.get('retry-after'), opts.clock.now()) ?? 1000,
      maxInProcessWaitMs: opts.maxInProcessWaitMs,
      // Every Web API call is a POST: reads and chat.update (it sets the text a message has) are
      // safe to repeat after a 5xx, a reset or a stall.
      isRetryable: (url) => isRepeatableSlackMethod(url.pathname.slice(url.pathname.lastIndexOf('/') + 1)),
    });
  }

  async authTest(): Promise<z.infer<typeof authTestResponse>> {
    return readAnswer('slack', 'auth.test', authTestResponse, await this.call('auth.test', {}));
  }

  /** A user's email (needs users:read.email); undefined when Slack shows none. */
  async userEmail(userId: string): Promise<string | undefined> {
    const res = readAnswer(
      'slack',
      'users.info',
      z.looseObject({
        user: z.looseObject({ profile: maybe(z.looseObject({ email: maybe(z.string()) })).catch(undefined) }),
      }),
      await this.call('users.info', { user: userId }),
    );
    // Profile fields "may not be present at all, may be null or may contain the empty string".
    return res.user.profile?.email || undefined;
  }

  /**
   * Posts a message (in a thread when `threadTs`); returns its ts. Slack has no idempotency key, so
   * the post carries one in its message metadata (`tajo_post`, `key`: the caller's, e.g. a
   * notification's dedupe id, or a fresh one). When the answer is lost (a 5xx, a reset, a stall: it
   * may have been posted) the channel's latest messages (the thread's, for a reply) are read back
   * for that key: found, its ts is returned; absent, it is posted again (retry-policy.ts
   * createOnce). When the read-back itself is refused (no channels:history for this channel) the lost
   * answer fails the call: at most once, never twice.
   */
  async postMessage(args: {
    teamId: string;
    channel: string;
    text: string;
    blocks?: unknown[];
    threadTs?: string;
    key?: string;
  }): Promise<string> {
    const key = args.key ?? randomUUID();
    let lost: unknown;
    return createOnce({
      clock: this.opts.clock,
      create: () => this.postOnce(args, key),
      isLost: (err) => {
        lost = err;
        return isAnswerLost(err);
      },
      // A read-back Slack refuses (no channels:history here) leaves the lost answer's error: at most once.
      find: () =>
        this.findPosted(args.channel, key, args.threadTs).catch(() => {
          throw lost;
        }),
    });
  }

  /**
   * The ts of the message carrying `key` (postMessage's) among the channel's (or thread's) latest,
   * if any: a lane redelivering a post whose first delivery may have been made can look first.
   */
  async findPosted(channel: string, key: string, threadTs?: string): Promise<string | undefined> {
    const method = threadTs ? 'conversations.replies' : 'conversations.history';
    const res = readAnswer(
      'slack',
      method,
      historyResponse,
      await this.call(method, {
        channel,
        ...(threadTs ? { ts: threadTs } : {}),
        include_all_metadata: 'true',
        limit: String(READ_BACK_MESSAGES),
      }),
    );
    for (const m of res.messages) {
      const parsed = postedSchema.safeParse(m);
      if (parsed.success && parsed.data.metadata?.event_payload?.key === key) return parsed.data.ts;
    }
    return undefined;
  }

  private async postOnce(
    args: { teamId: string; channel: string; text: string; blocks?: unknown[]; threadTs?: string },
    postKey: string,
  ): Promise<string> {
    const key = `${args.teamId}:${args.channel}`;
    let channelPacers = channelPacersByClock.get(this.opts.clock);
    if (!channelPacers) {
      channelPacers = new Map();
      channelPacersByClock.set(this.opts.clock, channelPacers);
    }
    let pacer = channelPacers.get(key);
    if (!pacer) {
      pacer = new Pacer(SLACK_CHANNEL_INTERVAL_MS, this.opts.clock);
      channelPacers.set(key, pacer);
    }
    await pacer.acquire();
    const body: Record<string, unknown> = {
      channel: args.channel,
      text: args.text,
      unfurl_links: false,
      unfurl_media: false,
    };
    if (args.blocks) body.blocks = args.blocks;
    if (args.threadTs) body.thread_ts = args.threadTs;
    body.metadata = { event_type: POST_EVENT_TYPE, event_payload: { key: postKey } };
    return readAnswer('slack', 'chat.postMessage', postResponse, await this.call('chat.postMessage', body)).ts;
  }

  /**
   * Schedules a message (chat.scheduleMessage, Tier 3). `postAt` is unix seconds, at most 120 days
   * ahead; a time that has passed is refused by Slack with `time_in_past` (a SlackApiError the
   * caller answers by posting now). No `metadata`: Slack documents that scheduled messages carrying
   * it are never posted.
   */
  async scheduleMessage(args: {
    teamId: string;
    channel: string;
    text: string;
    blocks?: unknown[];
    postAt: number;
    threadTs?: string;
  }): Promise<{ scheduledMessageId: string; postAt: number; channel: string }> {
    const body: Record<string, unknown> = {
      channel: args.channel,
      text: args.text,
      post_at: String(Math.floor(args.postAt)),
      unfurl_links: false,
      unfurl_media: false,
    };
    if (args.blocks) body.blocks = args.blocks;
    if (args.threadTs) body.thread_ts = args.threadTs;
    const res = readAnswer(
      'slack',
      'chat.scheduleMessage',
      scheduleResponse,
      await this.call('chat.scheduleMessage', body),
    );
    return {
      scheduledMessageId: res.scheduled_message_id,
      postAt: res.post_at ?? Math.floor(args.postAt),
      channel: res.channel ?? args.channel,
    };
  }

  /**
   * One page of users.list (Tier 2, paced at one call every 3 s per workspace install). Always pass
   * a limit: without one Slack tries the whole workspace (limit_required, HTTP 500). A page may
   * hold fewer than `limit` members while more exist: only an empty `nextCursor` ends the listing.
   */
  async usersList(args: { cursor?: string; limit?: number } = {}): Promise<{
    members: SlackMember[];
    nextCursor?: string;
    /** Members left out because they carry no id (each with why), for the caller to report. */
    skipped: { reason: string }[];
  }> {
    const res = readAnswer(
      'slack',
      'users.list',
      usersListResponse,
      await this.call('users.list', { limit: String(args.limit ?? 200), cursor: args.cursor || undefined }),
    );
    const members: SlackMember[] = [];
    const skipped: { reason: string }[] = [];
    for (const m of res.members) {
      const member = memberSchema.safeParse(m);
      if (member.success) members.push(member.data);
      else skipped.push({ reason: `a users.list member Slack sent without an id (${issueSummary(member.error)})` });
    }
    // An empty, null or absent next_cursor ends the listing (slack.md §6).
    const next = res.response_metadata?.next_cursor;
    return { members, nextCursor: next ? next : undefined, skipped };
  }

  /**
   * The id of the public channel called `name` (without its #), as the bot sees it, or undefined:
   * conversations.list (Tier 2, channels:read) page by page until it is found. For a notification
   * addressed by a channel's name rather than an alias or an id.
   */
  async channelIdByName(name: string): Promise<string | undefined> {
    let cursor: string | undefined;
    do {
      const res = readAnswer(
        'slack',
        'conversations.list',
        conversationsListResponse,
        await this.call('conversations.list', {
          types: 'public_channel',
          exclude_archived: 'true',
          limit: '200',
          cursor,
        }),
      );
      const found = res.channels.find((c) => c.id && c.name === name);
      if (found) return found.id;
      const next = res.response_metadata?.next_cursor;
      cursor = next ? next : undefined;
    } while (cursor);
    return undefined;
  }

  /**
   * One Web API call, answered as Slack answered it (no throw on `ok:false`), with the token's
   * scopes from X-OAuth-Scopes. Arguments go form-encoded, which every method accepts (read methods
   * such as users.info take no JSON body); objects such as `blocks` travel as JSON strings.
   */
  async answer(method: string, args: Record<string, unknown>): Promise<SlackAnswer> {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(args)) {
      if (v !== undefined) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    }
    const res = await this.fetch(`${this.base}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const json: unknown = await res.json().catch(() => ({}));
    // A body that is not an object (or not JSON) reads as {}: not ok, with the HTTP status as error.
    const body = (typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {}) as Record<
      string,
      unknown
    >;
    const error = typeof body.error === 'string' && body.error ? body.error : undefined;
    return {
      ok: res.ok && body.ok === true,
      error: error ?? (res.ok ? undefined : `http_${res.status}`),
      needed: typeof body.needed === 'string' ? body.needed : undefined,
      scopes: (res.headers.get('x-oauth-scopes') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      body,
    };
  }

  private async call(method: string, args: Record<string, unknown>): Promise<unknown> {
    const a = await this.answer(method, args);
    if (!a.ok) throw new SlackApiError(method, a.error ?? 'unknown_error');
    return a.body;
  }
}
