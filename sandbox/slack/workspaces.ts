/**
 * Slack simulator, workspace layer: the workspaces and tokens, the clock, OAuth installs, looking up
 * workspaces and channels, scopes, and how messages are stored and rendered (ts, threads, scheduling).
 *
 * The simulator is built in layers, one concept per file, each extending the one before:
 * SlackWorkspaces (workspaces.ts: state, workspace lookups, message storage) <- SlackControl (control.ts:
 * the control API) <- SlackGateway (gateway.ts: auth, scopes, rate tiers, faults) <- TeamMethods <-
 * ConversationsMethods <- ChatMethods <- UsersMethods <- ViewsMethods (methods/) <- SlackSimulator
 * (index.ts: the routes).
 */

import { SimClock, SimServer, TokenBucket } from '../http-kit';
import { registerTestSecrets } from '../secrets-registry';
import { MAX_MESSAGE_BLOCKS, validateBlocks } from './blocks';
import { SlackOAuth, type TokenInstall } from './oauth';
import { Workspace } from './store';
import type {
  ChannelRec,
  FailureSpec,
  MessageMetadata,
  SimMessage,
  SlackSimulatorOptions,
  WorkspaceInput,
} from './types';
import {
  type Args,
  clone,
  dropUndefined,
  formatTs,
  IdSource,
  int,
  isRecord,
  jsonArg,
  SlackApiError,
  str,
  validationFailure,
} from './util';

export const SLACK_SANDBOX_TOKEN = 'xoxb-sandbox';

export const SANDBOX_WORKSPACE: WorkspaceInput = {
  teamId: 'T0SANDBOX',
  teamName: 'Sandbox',
  botToken: SLACK_SANDBOX_TOKEN,
  botUserId: 'U0SANDBOXBOT',
  botId: 'B0SANDBOX',
  scopes: ['chat:write', 'channels:read', 'users:read', 'users:read.email', 'chat:write.public'],
};

export const MAX_TEXT = 40_000;

export const MAX_LIMIT = 1000;

export abstract class SlackWorkspaces extends SimServer {
  readonly clock: SimClock;
  protected readonly workspacesById = new Map<string, Workspace>();
  protected readonly byToken = new Map<string, Workspace>();
  protected readonly tiersOn: boolean;
  protected readonly channelRate: { perSecond: number; burst: number } | false;
  protected readonly tierBuckets = new Map<string, TokenBucket>();
  protected readonly channelBuckets = new Map<string, TokenBucket>();
  protected readonly faults: Array<{ remaining: number; spec: FailureSpec }> = [];
  protected readonly ids = new IdSource(36 ** 9);
  protected readonly triggers = new Map<string, number>();
  protected readonly usedTriggers = new Set<string>();
  protected lastTsMicros = 0;
  protected rateLimitedCount = 0;
  /** Tokens issued by OAuth installs: their installation and expiry. */
  protected readonly tokenInstalls = new Map<string, TokenInstall>();
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
  }

  // ===========================================================================================
  // Shared helpers

  protected ws(teamId?: string): Workspace {
    const ws = teamId === undefined ? this.workspacesById.values().next().value : this.workspacesById.get(teamId);
    if (!ws) throw new Error(`SlackSimulator: unknown team ${teamId}`);
    return ws;
  }

  protected findChannelAnywhere(channelId: string): { ws: Workspace; channel: ChannelRec } | undefined {
    for (const ws of this.workspacesById.values()) {
      const channel = ws.channels.get(channelId);
      if (channel) return { ws, channel };
    }
    return undefined;
  }

  protected locate(channelId: string): { ws: Workspace; channel: ChannelRec } {
    const found = this.findChannelAnywhere(channelId);
    if (!found) throw new Error(`SlackSimulator: unknown channel ${channelId}`);
    return found;
  }

  protected nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  protected bucket(map: Map<string, TokenBucket>, key: string, perSecond: number, burst: number): TokenBucket {
    let b = map.get(key);
    if (!b) {
      b = new TokenBucket(perSecond, Math.max(1, Math.floor(burst)), () => this.clock.now());
      map.set(key, b);
    }
    return b;
  }

  protected requireScope(ws: Workspace, scope: string): void {
    if (!ws.scopes.has(scope)) {
      throw new SlackApiError('missing_scope', { needed: scope, provided: [...ws.scopes].join(',') });
    }
  }

  /** Strictly increasing `<seconds>.<micros>` from the clock (or a later given instant). */
  protected nextTs(atMicros = this.clock.now() * 1000): string {
    this.lastTsMicros = Math.max(this.lastTsMicros + 1, Math.floor(atMicros));
    return formatTs(this.lastTsMicros);
  }

  protected store(ws: Workspace, channel: ChannelRec, msg: Omit<SimMessage, 'ts'>, atMicros?: number): SimMessage {
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

  protected threadParent(ws: Workspace, channel: ChannelRec, threadTs: string): SimMessage {
    const parent = ws.messages
      .get(channel.id)
      ?.find((m) => m.ts === threadTs && (m.thread_ts === undefined || m.thread_ts === m.ts));
    if (!parent) throw new SlackApiError('thread_not_found');
    return parent;
  }

  /** A channel the bot can read (conversations.info/history): hidden private channels are not found. */
  protected readableChannel(ws: Workspace, args: Args): ChannelRec {
    const ref = str(args, 'channel');
    const channel = ref ? ws.findChannel(ref) : undefined;
    if (!channel || !ws.visible(channel)) throw new SlackApiError('channel_not_found');
    return channel;
  }

  /** A channel the bot may post to (chat.postMessage / scheduleMessage / postEphemeral). */
  protected postableChannel(ws: Workspace, args: Args): ChannelRec {
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
  protected content(args: Args): { text: string; blocks?: unknown[]; attachments?: unknown[] } {
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

  protected metadata(args: Args): MessageMetadata | undefined {
    const m = jsonArg(args, 'metadata', 'invalid_metadata_format');
    if (m === undefined) return undefined;
    if (!isRecord(m) || typeof m.event_type !== 'string' || m.event_type === '' || !isRecord(m.event_payload)) {
      throw new SlackApiError('invalid_metadata_format');
    }
    return { event_type: m.event_type, event_payload: m.event_payload };
  }

  protected botFields(ws: Workspace): { user: string; bot_id: string; app_id: string; team: string } {
    return { user: ws.botUserId, bot_id: ws.botId, app_id: ws.appId, team: ws.teamId };
  }

  protected botProfile(ws: Workspace): Record<string, unknown> {
    return { id: ws.botId, app_id: ws.appId, name: ws.botName, deleted: false, team_id: ws.teamId };
  }

  protected renderMessage(m: SimMessage, withMetadata: boolean): Record<string, unknown> {
    const { unfurl_links: _l, unfurl_media: _m, metadata, reply_broadcast: _b, ...rest } = clone(m);
    return withMetadata && metadata ? { ...rest, metadata } : rest;
  }

  protected flushScheduled(ws: Workspace): void {
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
  protected limit(args: Args): number | undefined {
    const limit = int(args, 'limit');
    if (limit !== undefined && limit < 0) throw new SlackApiError('invalid_limit');
    return limit;
  }
}
