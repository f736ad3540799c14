/** Slack simulator: chat.postMessage (1 message/s per channel), .update, .postEphemeral, .scheduleMessage and scheduled lists. */

import { type Ctx, RateLimited } from '../gateway';
import type { SimEphemeral, SimScheduled } from '../types';
import { bool, dropUndefined, int, paginate, SlackApiError, str } from '../util';
import { MAX_LIMIT, MAX_TEXT } from '../workspaces';
import { ConversationsMethods } from './conversations';

const DAY_S = 86_400;
const SCHEDULE_HORIZON_S = 120 * DAY_S;
const SCHEDULE_WINDOW_S = 300;
const SCHEDULE_WINDOW_MAX = 30;

export abstract class ChatMethods extends ConversationsMethods {
  // ===========================================================================================
  // chat.*

  protected postMessage({ ws, args }: Ctx) {
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

  protected chatUpdate({ ws, args }: Ctx) {
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

  protected postEphemeral({ ws, args }: Ctx) {
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

  protected scheduleMessage({ ws, args }: Ctx) {
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

  protected scheduledList({ ws, args }: Ctx) {
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

  protected deleteScheduled({ ws, args }: Ctx) {
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
