/** Slack simulator: conversations.list, .info, .history, .replies (visibility of private channels, cursors). */

import type { Ctx } from '../gateway';
import type { Workspace } from '../store';
import type { ChannelRec, SimMessage } from '../types';
import { type Args, bool, paginate, parseTs, SlackApiError, str } from '../util';
import { MAX_LIMIT } from '../workspaces';
import { TeamMethods } from './team';

const CONVERSATION_TYPES: Record<string, string> = {
  public_channel: 'channels:read',
  private_channel: 'groups:read',
  mpim: 'mpim:read',
  im: 'im:read',
};

export abstract class ConversationsMethods extends TeamMethods {
  // ===========================================================================================
  // conversations.*

  protected conversationsList({ ws, args }: Ctx) {
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

  protected conversationsInfo({ ws, args }: Ctx) {
    const channel = this.readableChannel(ws, args);
    this.requireScope(ws, channel.isPrivate ? 'groups:read' : 'channels:read');
    return { channel: ws.renderChannel(channel) };
  }

  protected historyChannel(ws: Workspace, args: Args): ChannelRec {
    const channel = this.readableChannel(ws, args);
    this.requireScope(ws, channel.isPrivate ? 'groups:history' : 'channels:history');
    if (!channel.isMember) throw new SlackApiError('not_in_channel');
    return channel;
  }

  /** Default and max `limit` of conversations.history/replies (15/15 for new non-Marketplace apps). */
  protected historyPage(ws: Workspace): { fallback: number; max: number } {
    return ws.newNonMarketplaceApp ? { fallback: 15, max: 15 } : { fallback: 100, max: 999 };
  }

  /** One page of conversations.history/replies: the messages rendered, and the next cursor ('' at the end). */
  protected messagePage(
    ws: Workspace,
    args: Args,
    messages: SimMessage[],
  ): { messages: Record<string, unknown>[]; nextCursor: string } {
    const withMetadata = bool(args, 'include_all_metadata') ?? false;
    const { fallback, max } = this.historyPage(ws);
    const { page, nextCursor } = paginate(
      messages,
      (m) => m.ts,
      'next_ts',
      str(args, 'cursor'),
      this.limit(args),
      fallback,
      max,
    );
    return { messages: page.map((m) => this.renderMessage(m, withMetadata)), nextCursor };
  }

  protected conversationsHistory({ ws, args }: Ctx) {
    const channel = this.historyChannel(ws, args);
    const inclusive = bool(args, 'inclusive') ?? false;
    const oldest = parseTsArg(args, 'oldest') ?? 0;
    const latest = parseTsArg(args, 'latest') ?? Number.MAX_SAFE_INTEGER;
    const all = (ws.messages.get(channel.id) ?? [])
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.subtype === 'thread_broadcast')
      .filter((m) => {
        const t = parseTs(m.ts) ?? 0;
        return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
      })
      .reverse();
    const { messages, nextCursor } = this.messagePage(ws, args, all);
    return {
      messages,
      has_more: nextCursor !== '',
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      response_metadata: { next_cursor: nextCursor },
    };
  }

  protected conversationsReplies({ ws, args }: Ctx) {
    const channel = this.historyChannel(ws, args);
    const ts = str(args, 'ts');
    const list = ws.messages.get(channel.id) ?? [];
    const target = ts ? list.find((m) => m.ts === ts) : undefined;
    if (!target) throw new SlackApiError('thread_not_found');
    const isParent = target.thread_ts === undefined || target.thread_ts === target.ts;
    const thread = isParent ? [target, ...list.filter((m) => m.thread_ts === target.ts && m !== target)] : [target];
    const { messages, nextCursor } = this.messagePage(ws, args, thread);
    return {
      messages,
      has_more: nextCursor !== '',
      response_metadata: { next_cursor: nextCursor },
    };
  }
}

/** `oldest` / `latest` as microseconds (they are ts strings or plain seconds). */
function parseTsArg(args: Args, key: string): number | undefined {
  const raw = str(args, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new SlackApiError(`invalid_ts_${key}`);
  return parseTs(raw) ?? Math.round(n * 1_000_000);
}
