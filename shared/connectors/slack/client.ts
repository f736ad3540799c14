/**
 * The Slack Web API methods the connector calls, over the paced fetch: posting is paced per channel
 * (Slack allows about one message a second in a channel), a 429 pauses that channel for its
 * Retry-After, and `ok:false` answers become SlackApiError with Slack's error code.
 */
import { z } from 'zod';
import { TajoError } from '../../errors';
import { type CallStats, pacedFetch, parseRetryAfter } from '../../http/paced-fetch';
import type { Clock } from '../../ports';
import { Pacer } from '../../ratelimit/pacer';

export const SLACK_DEFAULT_API_URL = 'https://slack.com/api/';
/** chat.postMessage: one message per second per channel (short bursts tolerated). */
export const SLACK_CHANNEL_INTERVAL_MS = 1_050;

/** Errors that retrying cannot fix: the token, the channel, the payload. */
const PERMANENT = new Set([
  'not_authed',
  'invalid_auth',
  'token_revoked',
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
    default:
      return '';
  }
}

const postResponse = z.looseObject({ ok: z.literal(true), ts: z.string(), channel: z.string() });
const authTestResponse = z.looseObject({
  ok: z.literal(true),
  team_id: z.string(),
  team: z.string().optional(),
  user_id: z.string().optional(),
  bot_id: z.string().optional(),
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

/** Channel pacers are shared in the process: one channel's lane may run in several workers' turns. */
const channelPacers = new Map<string, Pacer>();

export class SlackClient {
  private readonly fetch: typeof fetch;
  private readonly base: string;

  constructor(private readonly opts: SlackClientOptions) {
    this.base = (opts.apiUrl ?? SLACK_DEFAULT_API_URL).replace(/\/?$/, '/');
    this.fetch = pacedFetch({
      provider: 'slack',
      clock: opts.clock,
      stats: opts.stats,
      pacerFor: (_url, _method) => undefined,
      retryAfterMs: (res) => parseRetryAfter(res.headers.get('retry-after'), opts.clock.now()) ?? 1000,
      maxInProcessWaitMs: opts.maxInProcessWaitMs,
    });
  }

  async authTest(): Promise<z.infer<typeof authTestResponse>> {
    return authTestResponse.parse(await this.call('auth.test', {}));
  }

  /** A user's email (needs users:read.email); undefined when Slack shows none. */
  async userEmail(userId: string): Promise<string | undefined> {
    const res = z
      .looseObject({ user: z.looseObject({ profile: z.looseObject({ email: z.string().optional() }).optional() }) })
      .parse(await this.call('users.info', { user: userId }));
    return res.user.profile?.email;
  }

  /** Posts a message (in a thread when `threadTs`); returns its ts. */
  async postMessage(args: {
    teamId: string;
    channel: string;
    text: string;
    blocks?: unknown[];
    threadTs?: string;
  }): Promise<string> {
    const key = `${args.teamId}:${args.channel}`;
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
    return postResponse.parse(await this.call('chat.postMessage', body)).ts;
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
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return {
      ok: res.ok && body.ok === true,
      error: (body.error as string | undefined) ?? (res.ok ? undefined : `http_${res.status}`),
      needed: body.needed as string | undefined,
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
