/** Slack simulator, control API: plain methods (no HTTP) tests, the benchmark and the sandbox use to seed and inspect workspaces. */

import { registerTestSecrets } from '../secrets-registry';
import { decodeGraph, encodeGraph, refill, refillArray } from '../snapshot';
import type { TokenInstall } from './oauth';
import { SLACKBOT_ID } from './store';
import type {
  ChannelInput,
  ChannelPatch,
  ChannelRec,
  FailureSpec,
  MessageInput,
  SimEphemeral,
  SimMessage,
  SimScheduled,
  SimView,
  SlackSimStats,
  UserInput,
  UserPatch,
  UserRec,
} from './types';
import { clone } from './util';
import { SlackWorkspaces } from './workspaces';

export abstract class SlackControl extends SlackWorkspaces {
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
}
