/**
 * Slack workspace members → Brevo contacts (slack.md §5, §6, §9; brevo.md §1–§2).
 *
 * One run reads users.list whole (cursor pagination, 200 a page, paced under Tier 2: one request
 * every 3 s, the first at once; a 429 pauses the pacer for its Retry-After), maps each member to a
 * contact keyed by its email and writes the changed ones through the contact writer the Notion sync
 * uses (core/brevo/contact-writer.ts): an import followed to completion above 20 changed users
 * (when a list is given), upserts below.
 *
 * Guarantees (the same `SyncSummary` contract as the Notion sync):
 * - Bots (is_bot, and USLACKBOT by id), deactivated users and users without an email are counted
 *   and skipped, never errors; guests (is_restricted / is_ultra_restricted) sync and are flagged.
 * - A value that cannot be mapped (an invalid phone…) is left out with a field error naming the
 *   Slack field; the member, its other values and its list membership are written. Only an invalid
 *   email fails the member alone (one already in the list stays in it). A phone without a country
 *   code takes `defaultCountryCode`, else the one the member's time zone suggests (memberCountryCode).
 * - Unchanged members (same fingerprint of the mapped values) are not written again.
 * - Deactivated members that were synced leave the list on any run; a full run also removes members
 *   no longer returned at all. Members still present but skipped this time (no email, a failing
 *   value) stay in the list.
 * - pagesRead (members read) = upserted + unchanged + failed + bots + deleted + missingEmail (rows an
 *   import report says Brevo skipped, or an import still running at the deadline, count as failed:
 *   they are written again by the next run). Guests are counted inside these.
 */
import { type BrevoClient, brevoClientFor } from '../../core/brevo/client';
import { recordRowFailure } from '../../core/brevo/contact-rows';
import {
  BrevoContactWriter,
  type ContactWriteOptions,
  DEFAULT_CONTACT_WRITE_OPTIONS,
  type ProgressEvent,
} from '../../core/brevo/contact-writer';
import { type CallStats, newStats } from '../../core/http/paced-fetch';
import type { Clock, CursorStore, Fingerprint, SyncSummary } from '../../core/ports';
import { addSkip, SKIP_BOT, SKIP_DEACTIVATED, SKIP_NO_EMAIL } from '../../core/runs/counts';
import { emptySummary, newRunId } from '../../core/runs/summary';
import { SlackApiError, SlackClient } from './client';
import { buildUserPlan, classifyUser, isGuest, mapSlackUser, type SlackField, type SlackUser } from './user-mapping';

/** Slack recommends 100–200; @slack/web-api's paginate uses 200. */
export const SLACK_USERS_PAGE_SIZE = 200;
export const NO_EMAIL_SCOPE_WARNING = 'users.list returns no emails: add the users:read.email scope';

export interface SlackUsersOptions extends ContactWriteOptions {
  /** Users gathered before a Brevo write (changed ones and seen marks; one import holds at most this many rows). */
  flushRows: number;
  pageSize: number;
}

export const DEFAULT_SLACK_USERS_OPTIONS: SlackUsersOptions = {
  ...DEFAULT_CONTACT_WRITE_OPTIONS,
  flushRows: 5_000,
  pageSize: SLACK_USERS_PAGE_SIZE,
};

export interface SlackUsersContext {
  tenantId: string;
  slackToken: string;
  /** Default https://slack.com/api/ (the simulator's `apiUrl` in tests). */
  slackApiUrl?: string;
  /** The workspace (SlackSettings.teamId); when absent, auth.test tells it (one more request). */
  teamId?: string;
  brevo: BrevoClient;
  /** The CallStats object the BrevoClient counts into, so the summary reports Brevo requests. */
  brevoStats?: CallStats;
  cursors: CursorStore;
  clock: Clock;
  /**
   * Slack field → Brevo attribute, over DEFAULT_SLACK_USER_MAPPING (an empty string turns a default
   * off). Only attributes the Brevo account has are written; a missing one is a warning, once.
   */
  mapping?: Partial<Record<SlackField, string>>;
  /** Brevo list the members join (and leave). Without it every write is an upsert. */
  listId?: number;
  /** Digits (e.g. '33') for phone numbers written without a country code. */
  defaultCountryCode?: string;
  /** Boolean attribute set true for guests and false for full members (e.g. SLACK_GUEST). */
  guestAttribute?: string;
  options?: Partial<SlackUsersOptions>;
  /** Epoch ms an import wait never runs past (a worker's invocation deadline); none by default. */
  deadline?: number;
  onProgress?: (e: ProgressEvent) => void;
  /** Longest Retry-After slept through in process (a Lambda worker parks the lane instead). */
  maxInProcessWaitMs?: number;
}

export type SlackUsersSummary = SyncSummary & {
  bots: number;
  deleted: number;
  missingEmail: number;
  guests: number;
  /** Slack Web API requests of the run (auth.test included); `notionRequests` stays 0. */
  slackRequests: number;
};

const SOURCE_TITLE = 'Slack users';

// ------------------------------------------------------------------------------------- Slack

interface UsersPage {
  members: SlackUser[];
  nextCursor?: string;
  /** The token's scopes (X-OAuth-Scopes), when Slack sent them. */
  scopes?: string[];
  /** Members Slack sent without an id: nothing identifies them, each is reported as a failure. */
  unreadable?: number;
}

/** users.list through the Slack client: its Tier 2 pacer is the one every caller of the token shares. */
class UsersListReader {
  private readonly client: SlackClient;

  constructor(ctx: SlackUsersContext, stats: CallStats) {
    this.client = new SlackClient({
      token: ctx.slackToken,
      apiUrl: ctx.slackApiUrl,
      clock: ctx.clock,
      stats,
      maxInProcessWaitMs: ctx.maxInProcessWaitMs,
    });
  }

  async page(cursor: string | undefined, limit: number): Promise<UsersPage> {
    const a = await this.client.answer('users.list', { limit: String(limit), cursor: cursor || undefined });
    if (!a.ok) {
      const err = new SlackApiError('users.list', a.error ?? 'unknown_error');
      if (a.error === 'missing_scope' && a.needed) err.message += `: the token needs ${a.needed}`;
      throw err;
    }
    const json = a.body as { members?: unknown; response_metadata?: { next_cursor?: string | null } };
    if (!Array.isArray(json.members)) throw new SlackApiError('users.list', 'invalid_response');
    const members = json.members.filter(
      (m): m is SlackUser => typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'string',
    );
    return {
      members,
      nextCursor: json.response_metadata?.next_cursor || undefined,
      scopes: a.scopes.length > 0 ? a.scopes : undefined,
      unreadable: json.members.length - members.length,
    };
  }
}

// ------------------------------------------------------------------------------------- the run

/** A users run's summary before anything is read. */
export function emptySlackUsersSummary(mode: 'full' | 'incremental'): SlackUsersSummary {
  return { ...emptySummary(mode), bots: 0, deleted: 0, missingEmail: 0, guests: 0, slackRequests: 0 };
}

/**
 * Runs one Slack users → Brevo sync in process. `runId` (sortable by start time, e.g. the run
 * record's) marks the fingerprints a full run saw; one is made when not given. `summary` (a fresh
 * emptySlackUsersSummary) is filled as the run goes: when the run throws, it holds the counts so
 * far (members read, contacts Brevo confirmed, failures), for the failed run's record and --json.
 */
export async function syncSlackUsers(
  ctx: SlackUsersContext,
  opts: { mode: 'full' | 'incremental'; runId?: string; summary?: SlackUsersSummary },
): Promise<{ summary: SlackUsersSummary; runId: string }> {
  const run = new SlackUsersRun(ctx, opts.mode, opts.runId ?? newRunId(ctx.clock), opts.summary);
  try {
    await run.execute();
  } finally {
    run.absorbStats();
  }
  return { summary: run.summary, runId: run.runId };
}

class SlackUsersRun {
  readonly summary: SlackUsersSummary;
  private readonly o: SlackUsersOptions;
  private readonly slackStats = newStats();
  private readonly brevoAtStart: CallStats;
  private readonly started: number;

  constructor(
    private readonly ctx: SlackUsersContext,
    private readonly mode: 'full' | 'incremental',
    readonly runId: string,
    summary?: SlackUsersSummary,
  ) {
    this.o = { ...DEFAULT_SLACK_USERS_OPTIONS, ...ctx.options };
    this.summary = summary ?? emptySlackUsersSummary(mode);
    this.brevoAtStart = { ...(ctx.brevoStats ?? newStats()) };
    this.started = ctx.clock.now();
  }

  absorbStats(): void {
    const b = this.ctx.brevoStats ?? this.brevoAtStart;
    this.summary.slackRequests = this.slackStats.requests;
    this.summary.brevoRequests = b.requests - this.brevoAtStart.requests;
    this.summary.rateLimited = this.slackStats.rateLimited + b.rateLimited - this.brevoAtStart.rateLimited;
    this.summary.durationMs = this.ctx.clock.now() - this.started;
  }

  async execute(): Promise<void> {
    const { ctx } = this;
    const reader = new UsersListReader(ctx, this.slackStats);
    const [{ attributes, unsupported }, teamId] = await Promise.all([ctx.brevo.readAttributes(), this.teamId()]);
    const built = buildUserPlan({
      attributes,
      unsupported,
      mapping: ctx.mapping,
      guestAttribute: ctx.guestAttribute,
      defaultCountryCode: ctx.defaultCountryCode,
    });
    const plan = built.plan;
    this.summary.warnings.push(...built.warnings);
    const sourceId = `slack-users:${teamId}`;
    ctx.onProgress?.({ type: 'source', title: SOURCE_TITLE, sourceId });
    const writer = await BrevoContactWriter.open({
      upsertThreshold: this.o.upsertThreshold,
      importFirstPollMs: this.o.importFirstPollMs,
      importTimeoutMs: this.o.importTimeoutMs,
      tenantId: ctx.tenantId,
      connector: 'slack',
      sourceId,
      title: SOURCE_TITLE,
      brevo: ctx.brevo,
      cursors: ctx.cursors,
      clock: ctx.clock,
      mode: this.mode,
      runId: this.runId,
      listId: ctx.listId,
      deadline: ctx.deadline,
      // Every run reads every member: an unconfirmed one is rewritten by the next run.
      retriedBy: 'the next run',
      summary: this.summary,
      onProgress: ctx.onProgress,
    });

    const deactivated: Fingerprint[] = [];
    const seen = new Set<string>();
    const emailOwner = new Map<string, string>();
    let withEmail = 0;
    let scopeLacksEmail = false;
    let cursor: string | undefined;
    do {
      const page = await reader.page(cursor, this.o.pageSize);
      if (page.scopes && !page.scopes.includes('users:read.email')) scopeLacksEmail = true;
      for (let i = 0; i < (page.unreadable ?? 0); i += 1) {
        this.summary.pagesRead += 1; // read and failed (shared/core/runs/counts.ts)
        recordRowFailure(this.summary, [{ pageId: '(no id)', reason: 'a users.list member Slack sent without an id' }]);
      }
      for (const u of page.members) {
        if (seen.has(u.id)) continue; // a page boundary that moved under us
        seen.add(u.id);
        this.summary.pagesRead += 1;
        const kind = classifyUser(u);
        if (kind === 'bot') {
          this.summary.bots += 1;
          addSkip(this.summary, SKIP_BOT);
          continue;
        }
        if (kind === 'deleted') {
          this.summary.deleted += 1;
          const prev = writer.previous(u.id);
          // Synced before: its contact leaves the list (counted removed); else nothing to do.
          if (prev) deactivated.push(prev);
          else addSkip(this.summary, SKIP_DEACTIVATED);
          continue;
        }
        // From here the member is still in the workspace: one not written this run stays in the list.
        if (kind === 'missingEmail') {
          this.summary.missingEmail += 1;
          addSkip(this.summary, SKIP_NO_EMAIL);
          writer.keep(u.id);
          continue;
        }
        withEmail += 1;
        if (isGuest(u)) this.summary.guests += 1;
        const res = mapSlackUser(u, plan, ctx.listId);
        if (!res.ok) {
          recordRowFailure(this.summary, res.errors);
          writer.keep(u.id);
          continue;
        }
        const owner = emailOwner.get(res.row.email);
        if (owner !== undefined) {
          const reason = `email ${res.row.email} is also the email of user ${owner}`;
          recordRowFailure(this.summary, [{ pageId: u.id, property: 'email', reason }]);
          writer.keep(u.id);
          continue;
        }
        emailOwner.set(res.row.email, u.id);
        writer.offer(res.row);
      }
      cursor = page.nextCursor;
      ctx.onProgress?.({ type: 'rows', title: SOURCE_TITLE, pagesRead: this.summary.pagesRead });
      // Seen marks count towards a flush too, so a large unchanged workspace is not held until the end.
      if (writer.buffered >= this.o.flushRows || (cursor === undefined && writer.buffered > 0)) await writer.flush();
    } while (cursor !== undefined);

    if (this.summary.missingEmail > 0 && (scopeLacksEmail || withEmail === 0)) {
      this.summary.warnings.push(NO_EMAIL_SCOPE_WARNING);
    }
    // Deactivated members leave on any run; a full run also sweeps the ones no longer returned
    // (seen by no run since this one started: run ids sort by start time).
    const gone = new Map(deactivated.map((f) => [f.rowId, f]));
    if (this.mode === 'full') {
      for (const f of writer.vanished()) {
        if (seen.has(f.rowId)) continue;
        gone.set(f.rowId, f);
        // No longer returned at all: removed without being read (outside pagesRead).
        this.summary.vanished = (this.summary.vanished ?? 0) + 1;
      }
    }
    await writer.remove([...gone.values()]);
  }

  private async teamId(): Promise<string> {
    if (this.ctx.teamId) return this.ctx.teamId;
    const slack = new SlackClient({
      token: this.ctx.slackToken,
      apiUrl: this.ctx.slackApiUrl,
      clock: this.ctx.clock,
      stats: this.slackStats,
      maxInProcessWaitMs: this.ctx.maxInProcessWaitMs,
    });
    return (await slack.authTest()).team_id;
  }
}

// ------------------------------------------------------------------------------------- wiring

/**
 * What the CLI or a worker passes: tokens and settings in, a context with a Brevo client on the
 * account's shared limits (and its stats, for the summary) out.
 */
export function buildSlackUsersContext(
  args: Omit<SlackUsersContext, 'brevo' | 'brevoStats'> & { brevoApiKey: string; brevoBaseUrl?: string },
): SlackUsersContext {
  const { brevoApiKey, brevoBaseUrl, ...rest } = args;
  const brevoStats = newStats();
  const brevo = brevoClientFor({
    apiKey: brevoApiKey,
    baseUrl: brevoBaseUrl,
    clock: args.clock,
    stats: brevoStats,
    maxInProcessWaitMs: args.maxInProcessWaitMs,
  });
  return { ...rest, brevo, brevoStats };
}
