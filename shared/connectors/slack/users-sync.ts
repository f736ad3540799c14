/**
 * Slack workspace members → Brevo contacts (slack.md §5, §6, §9; brevo.md §1–§2).
 *
 * One run reads users.list whole (cursor pagination, 200 a page, paced under Tier 2: one request
 * every 3 s, the first at once; a 429 pauses the pacer for its Retry-After), maps each member to a
 * contact keyed by its email and writes the changed ones through the contact writer the Notion sync
 * uses (../sync/brevo-contact-writer): an import followed to completion above 20 changed users
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
import {
  type BrevoClient,
  brevoClientFor,
  type UnsupportedAttribute,
  unsupportedAttributeMessage,
} from '../../core/brevo/client';
import {
  BrevoContactWriter,
  type ContactWriteOptions,
  DEFAULT_CONTACT_WRITE_OPTIONS,
  type EmailContactRow,
  fieldError,
  mapEmailKeyedContact,
  type ProgressEvent,
  recordRowFailure,
} from '../../core/brevo/contact-writer';
import { type CallStats, newStats } from '../../core/http/paced-fetch';
import { callingCodeForTimeZone, coerceToAttribute, coerceToIdentifier } from '../../core/mapping';
import { splitRealName } from '../../core/mapping/person-name';
import type { BrevoAttribute, Coerced, Extracted } from '../../core/mapping/types';
import type { Clock, CursorStore, Fingerprint, RowError, SyncSummary } from '../../core/ports';
import { addSkip, SKIP_BOT, SKIP_DEACTIVATED, SKIP_NO_EMAIL } from '../../core/runs/counts';
import { emptySummary, newRunId } from '../../core/runs/summary';
import { SlackApiError, SlackClient } from './client';

/** Slack recommends 100–200; @slack/web-api's paginate uses 200. */
export const SLACK_USERS_PAGE_SIZE = 200;
export const SLACKBOT_USER_ID = 'USLACKBOT';
export const NO_EMAIL_SCOPE_WARNING = 'users.list returns no emails: add the users:read.email scope';

/** The Slack user fields that can be mapped to Brevo attributes. */
export const SLACK_FIELDS = [
  'first_name',
  'last_name',
  'real_name',
  'display_name',
  'name',
  'id',
  'team_id',
  'phone',
  'title',
  'pronouns',
  'start_date',
  'tz',
  'tz_label',
  'tz_offset',
  'is_admin',
  'is_owner',
  'is_primary_owner',
  'is_restricted',
  'is_ultra_restricted',
  'status_text',
  'status_emoji',
] as const;
export type SlackField = (typeof SLACK_FIELDS)[number];

/** Slack field → Brevo attribute used when the context gives no mapping for that field. */
export const DEFAULT_SLACK_USER_MAPPING: Readonly<Partial<Record<SlackField, string>>> = {
  first_name: 'FIRSTNAME',
  last_name: 'LASTNAME',
  phone: 'SMS',
  title: 'JOB_TITLE',
  tz: 'TIMEZONE',
  is_admin: 'SLACK_ADMIN',
  team_id: 'SLACK_TEAM',
  status_text: 'SLACK_STATUS',
};

/** Brevo's phone identifiers: normalised to +<digits> (they are unique per account). */
const PHONE_TARGETS = ['SMS', 'WHATSAPP', 'LANDLINE_NUMBER'] as const;
type PhoneTarget = (typeof PHONE_TARGETS)[number];

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

/** A users.list member as far as the sync reads it. Profile fields may be absent, null or ''. */
export interface SlackUser {
  id: string;
  team_id?: string;
  name?: string;
  deleted?: boolean;
  real_name?: string | null;
  tz?: string | null;
  tz_label?: string | null;
  tz_offset?: number | null;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_bot?: boolean;
  profile?: Record<string, unknown> | null;
  [key: string]: unknown;
}

const SOURCE_TITLE = 'Slack users';

// ------------------------------------------------------------------------------------- mapping

export interface PlannedField {
  field: SlackField;
  target: string;
  phone?: PhoneTarget;
  attribute?: BrevoAttribute;
}

export interface UserPlan {
  fields: PlannedField[];
  guest?: BrevoAttribute;
  defaultCountryCode?: string;
}

/** The mapping checked against the account's attributes; what cannot be written becomes a warning. */
export function buildUserPlan(args: {
  attributes: BrevoAttribute[];
  /** Attributes the account has but this version cannot write (BrevoClient.readAttributes). */
  unsupported?: UnsupportedAttribute[];
  mapping?: Partial<Record<SlackField, string>>;
  guestAttribute?: string;
  defaultCountryCode?: string;
}): { plan: UserPlan; warnings: string[] } {
  const byName = new Map(args.attributes.map((a) => [a.name.toUpperCase(), a]));
  const unsupported = new Map((args.unsupported ?? []).map((u) => [u.name.toUpperCase(), u]));
  const warnings: string[] = [];
  const fields: PlannedField[] = [];
  const merged: Record<string, string | undefined> = { ...DEFAULT_SLACK_USER_MAPPING, ...args.mapping };
  const usable = (target: string, what: string): BrevoAttribute | undefined => {
    const attr = byName.get(target);
    const unwritable = unsupported.get(target);
    if (!attr && unwritable) {
      warnings.push(`${unsupportedAttributeMessage(unwritable)}: ${what} is not synced`);
      return undefined;
    }
    if (!attr) {
      warnings.push(
        `Brevo has no contact attribute ${target}: ${what} is not synced (create it under Contacts → Settings → Attributes)`,
      );
      return undefined;
    }
    if (attr.category === 'calculated' || attr.category === 'global') {
      warnings.push(`${target} is a ${attr.category} Brevo attribute and cannot be written: ${what} is not synced`);
      return undefined;
    }
    return attr;
  };
  for (const [field, raw] of Object.entries(merged)) {
    if (raw === undefined || raw.trim() === '') continue;
    if (!(SLACK_FIELDS as readonly string[]).includes(field)) {
      warnings.push(`unknown Slack field "${field}" in the mapping: ignored (known: ${SLACK_FIELDS.join(', ')})`);
      continue;
    }
    const target = raw.trim().toUpperCase();
    if (target === 'EMAIL' || target === 'EXT_ID') {
      warnings.push(`Slack field ${field} cannot be mapped to ${target}: the contact is keyed by the Slack email`);
      continue;
    }
    const attribute = usable(target, `Slack field ${field}`);
    if (!attribute) continue;
    const phone = PHONE_TARGETS.find((p) => p === target);
    fields.push({ field: field as SlackField, target, phone, attribute });
  }
  let guest: BrevoAttribute | undefined;
  if (args.guestAttribute?.trim()) guest = usable(args.guestAttribute.trim().toUpperCase(), 'the guest flag');
  return { plan: { fields, guest, defaultCountryCode: args.defaultCountryCode }, warnings };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** First and last name: the profile's, or real_name split when the profile has neither. */
function names(u: SlackUser): { first?: string; last?: string } {
  const p = u.profile ?? {};
  const first = text(p.first_name);
  const last = text(p.last_name);
  if (first !== undefined || last !== undefined) return { first, last };
  return splitRealName(text(p.real_name) ?? text(u.real_name));
}

function asText(v: string | undefined): Extracted {
  return v === undefined ? { kind: 'empty' } : { kind: 'text', value: v };
}

function asBool(v: unknown): Extracted {
  return typeof v === 'boolean' ? { kind: 'boolean', value: v } : { kind: 'empty' };
}

/** What one Slack field of a user means, independent of where it goes. */
export function slackFieldValue(u: SlackUser, field: SlackField): Extracted {
  const p = u.profile ?? {};
  switch (field) {
    case 'first_name':
      return asText(names(u).first);
    case 'last_name':
      return asText(names(u).last);
    case 'real_name':
      return asText(text(p.real_name) ?? text(u.real_name));
    case 'display_name':
      return asText(text(p.display_name));
    case 'name':
      return asText(text(u.name));
    case 'id':
      return asText(text(u.id));
    case 'team_id':
      return asText(text(u.team_id) ?? text(p.team));
    case 'phone':
    case 'title':
    case 'pronouns':
    case 'start_date':
    case 'status_text':
    case 'status_emoji':
      return asText(text(p[field]));
    case 'tz':
    case 'tz_label':
      return asText(text(u[field]));
    case 'tz_offset':
      return typeof u.tz_offset === 'number' ? { kind: 'number', value: u.tz_offset } : { kind: 'empty' };
    case 'is_admin':
    case 'is_owner':
    case 'is_primary_owner':
    case 'is_restricted':
    case 'is_ultra_restricted':
      return asBool(u[field]);
  }
}

export function isGuest(u: SlackUser): boolean {
  return u.is_restricted === true || u.is_ultra_restricted === true;
}

export type UserKind = 'bot' | 'deleted' | 'missingEmail' | 'member';

/** Why a member is skipped (checked in this order, so each member counts once), or 'member'. */
export function classifyUser(u: SlackUser): UserKind {
  if (u.is_bot === true || u.id === SLACKBOT_USER_ID) return 'bot';
  if (u.deleted === true) return 'deleted';
  if (text(u.profile?.email) === undefined) return 'missingEmail';
  return 'member';
}

/** A member as a contact, keyed by its (normalised) email. */
export interface MappedUser extends EmailContactRow {
  userId: string;
}

/**
 * The calling code for a member's phone written without one: the configured
 * default_country_code when there is one (the admin's statement about the workspace), else the
 * one the member's Slack time zone suggests (Europe/Paris → 33), else none.
 */
export function memberCountryCode(u: SlackUser, defaultCountryCode: string | undefined): string | undefined {
  return defaultCountryCode?.trim() ? defaultCountryCode : callingCodeForTimeZone(u.tz);
}

/**
 * Maps one member (with an email) to a contact. A field that cannot map is left out with a field
 * error and the member is still written; only an invalid email fails the member.
 */
export function mapSlackUser(
  u: SlackUser,
  plan: UserPlan,
  listId: number | undefined,
): { ok: true; row: MappedUser } | { ok: false; errors: RowError[] } {
  const opts = { defaultCountryCode: memberCountryCode(u, plan.defaultCountryCode) };
  const mapped = mapEmailKeyedContact(u.id, text(u.profile?.email), listId, (attributes, fieldErrors, sources) => {
    for (const f of plan.fields) {
      const x = slackFieldValue(u, f.field);
      const coerced: Coerced = f.phone
        ? coerceToIdentifier(x, f.phone, opts)
        : coerceToAttribute(x, f.attribute as BrevoAttribute, opts);
      if (!coerced.ok) {
        fieldErrors.push(fieldError(u.id, f.field, f.target, `${f.field} → ${f.target}: ${coerced.reason}`));
        continue;
      }
      // Empty values are left out: the sync never erases what Brevo holds for an empty Slack field.
      if (coerced.value !== null && coerced.value !== '') {
        attributes[f.target] = coerced.value;
        sources[f.target] = f.field;
      }
    }
    if (plan.guest) {
      const coerced = coerceToAttribute({ kind: 'boolean', value: isGuest(u) }, plan.guest);
      if (coerced.ok && coerced.value !== null) {
        attributes[plan.guest.name] = coerced.value;
        sources[plan.guest.name] = 'is_restricted';
      } else if (!coerced.ok) {
        fieldErrors.push(fieldError(u.id, 'is_restricted', plan.guest.name, `${plan.guest.name}: ${coerced.reason}`));
      }
    }
  });
  return mapped.ok ? { ok: true, row: { ...mapped.row, userId: u.id } } : mapped;
}

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
