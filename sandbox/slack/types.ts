/** Option, input and record types of the Slack simulator. */
import type { SimClock } from '../http-kit';
import type { OAuthClientInput } from '../oauth-kit';

export interface WorkspaceInput {
  teamId: string;
  teamName: string;
  botToken: string;
  botUserId: string;
  botId: string;
  scopes: string[];
  /** Bot user handle (users.list `name`, auth.test `user`). Default `tajo`. */
  botName?: string;
  /** App id of the bot (`api_app_id`, `app_id`). Default `A0SANDBOX`. */
  appId?: string;
  /** Workspace sub-domain (`https://<domain>.slack.com/`). Default: the team name, slugged. */
  domain?: string;
  /**
   * A commercially distributed, non-Marketplace app installed after 2025-05-29:
   * conversations.history/replies drop to Tier 1 and their `limit` max/default to 15.
   */
  newNonMarketplaceApp?: boolean;
  /** The Enterprise Grid org the workspace belongs to (org-wide installs: see oauth.ts). */
  enterpriseId?: string;
  enterpriseName?: string;
}

export interface SlackSimulatorOptions {
  /** Default: one workspace T0SANDBOX with token `xoxb-sandbox` (see SANDBOX_WORKSPACE). */
  workspaces?: WorkspaceInput[];
  /** Source of "now" for ts values, scheduling and the limiters. Default: real time. */
  clock?: SimClock;
  /** `false` disables the per-method tier limits (the channel rule stays). Default: on. */
  tiers?: false;
  /** chat.postMessage per-channel bucket; `false` disables it. Default `{perSecond: 1, burst: 1}`. */
  channelRate?: { perSecond: number; burst: number } | false;
  /** Distributed apps that may install through OAuth v2 (see oauth.ts). */
  oauthClients?: SlackOAuthClientInput[];
}

export interface ChannelInput {
  id?: string;
  name: string;
  isPrivate?: boolean;
  /** Whether the bot is a member. Default true. */
  isMember?: boolean;
  isArchived?: boolean;
  topic?: string;
  purpose?: string;
  numMembers?: number;
  /** Workspace to add to. Default: the first workspace. */
  teamId?: string;
}

export interface ChannelPatch {
  name?: string;
  isMember?: boolean;
  isArchived?: boolean;
  topic?: string;
  purpose?: string;
}

export interface ChannelRec {
  id: string;
  teamId: string;
  name: string;
  isPrivate: boolean;
  isMember: boolean;
  isArchived: boolean;
  topic: string;
  purpose: string;
  numMembers: number;
  created: number;
  updated: number;
}

export interface UserInput {
  id?: string;
  name: string;
  realName?: string;
  displayName?: string;
  email?: string;
  phone?: string;
  title?: string;
  tz?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isBot?: boolean;
  deleted?: boolean;
  isRestricted?: boolean;
  isUltraRestricted?: boolean;
  statusText?: string;
  statusEmoji?: string;
  /** Workspace to add to. Default: the first workspace. */
  teamId?: string;
}

export type UserPatch = Omit<Partial<UserInput>, 'id' | 'teamId'>;

export interface UserRec {
  id: string;
  teamId: string;
  name: string;
  realName: string;
  displayName: string;
  email?: string;
  phone: string;
  title: string;
  tz: string;
  isAdmin: boolean;
  isOwner: boolean;
  isPrimaryOwner: boolean;
  isBot: boolean;
  isAppUser: boolean;
  deleted: boolean;
  isRestricted: boolean;
  isUltraRestricted: boolean;
  statusText: string;
  statusEmoji: string;
  botId?: string;
  appId?: string;
  /** Unix seconds of the last profile change (users.list `updated`). */
  updated: number;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A message as stored (and as `messages()` returns it). */
export interface SimMessage {
  type: 'message';
  subtype?: 'thread_broadcast';
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  reply_broadcast?: boolean;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  metadata?: MessageMetadata;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
  edited?: { user: string; ts: string };
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
}

export interface MessageInput {
  text?: string;
  blocks?: unknown[];
  /** Author (a user id). Default USLACKBOT. */
  user?: string;
  /** Reply in this thread (a parent ts of the channel). */
  threadTs?: string;
  metadata?: MessageMetadata;
}

export interface SimScheduled {
  id: string;
  channel_id: string;
  post_at: number;
  date_created: number;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  reply_broadcast?: boolean;
  metadata?: MessageMetadata;
}

export interface SimEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

export interface SimView {
  id: string;
  teamId: string;
  triggerId: string;
  view: Record<string, unknown>;
}

export interface FailureSpec {
  /** HTTP status. Default 200 (a Slack API error), or 429 when only retryAfter is given. */
  status?: number;
  /** `error` code of the body. Default `internal_error` (`ratelimited` for 429). */
  error?: string;
  /** Retry-After seconds (sent for any status when given; 1 by default on 429). */
  retryAfter?: number;
}

export interface SlackSimStats {
  requests: number;
  rateLimited: number;
  /** Requests per API method name (`chat.postMessage`: 3). */
  byMethod: Record<string, number>;
}

/** An OAuth client of a distributed app (oauth.ts). */
export interface SlackOAuthClientInput extends OAuthClientInput {
  /** Token rotation on (it cannot be turned off in Slack once on). Default false. */
  tokenRotation?: boolean;
}
