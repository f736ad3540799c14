/**
 * Notion workspace users → Brevo contacts (notion.md §7; brevo.md §1–§2), the Notion counterpart
 * of the Slack member sync (connectors/slack/users-sync.ts) and built the same way: GET /v1/users
 * read whole (cursor pagination, 100 a page, through the integration's 3 req/s pacer), each person
 * mapped to a contact keyed by its email and written through the hub's contact writer
 * (core/brevo/contact-writer.ts).
 *
 * Guarantees (the `SyncSummary` contract of the other syncs):
 * - Bots (the integration itself and other integrations) are counted and skipped; guests are not
 *   listed by Notion at all, so they never become contacts.
 * - No user information capability (403) is fatal, with the capability to grant. People without
 *   `person.email` (the capability "without email addresses") are counted, kept in the list, and
 *   one warning names the missing email level.
 * - Unchanged people (same fingerprint of the mapped values) are not written again.
 * - A full run removes the contacts of people no longer listed (they left the workspace, or became
 *   guests); an incremental run never removes (Notion has no "deactivated" flag to act on).
 * - pagesRead (users read) = upserted + unchanged + failed + bots + missingEmail.
 */
import { type BrevoClient, type UnsupportedAttribute, unsupportedAttributeMessage } from '../../core/brevo/client';
import {
  type EmailContactRow,
  fieldError,
  mapEmailKeyedContact,
  recordRowFailure,
} from '../../core/brevo/contact-rows';
import {
  BrevoContactWriter,
  type ContactWriteOptions,
  DEFAULT_CONTACT_WRITE_OPTIONS,
  type ProgressEvent,
} from '../../core/brevo/contact-writer';
import { failureReason, ProviderError } from '../../core/errors';
import { type CallStats, newStats } from '../../core/http/paced-fetch';
import { coerceToAttribute } from '../../core/mapping';
import { splitRealName } from '../../core/mapping/person-name';
import type { BrevoAttribute } from '../../core/mapping/types';
import type { Clock, CursorStore, RowError, RunRecord, RunStore, SyncSummary } from '../../core/ports';
import { addSkip, SKIP_BOT, SKIP_NO_EMAIL } from '../../core/runs/counts';
import { emptySummary, newRunId } from '../../core/runs/summary';
import type { NotionGateway, NotionUser } from './client';

/** Notion's maximum page size for GET /v1/users. */
export const NOTION_USERS_PAGE_SIZE = 100;
export const USER_CAPABILITY = 'Read user information including email addresses';
export const NO_USER_CAPABILITY_MESSAGE = `Notion refused to list the workspace users (403 restricted_resource): give the integration the '${USER_CAPABILITY}' capability (Notion → Settings → Integrations → the integration → Capabilities)`;
export const NO_EMAIL_CAPABILITY_WARNING = `GET /v1/users returns no email addresses: the integration has user information without emails; give it the '${USER_CAPABILITY}' capability`;

/** The Notion user fields that can be mapped to Brevo attributes. */
export const NOTION_USER_FIELDS = ['first_name', 'last_name', 'name', 'id', 'avatar_url'] as const;
export type NotionUserField = (typeof NOTION_USER_FIELDS)[number];

/** Notion user field → Brevo attribute used when the config gives no mapping for that field. */
export const DEFAULT_NOTION_USER_MAPPING: Readonly<Partial<Record<NotionUserField, string>>> = {
  first_name: 'FIRSTNAME',
  last_name: 'LASTNAME',
};

const SOURCE_TITLE = 'Notion users';

/** Where the users sync keeps its fingerprints: one source per integration (its bot user). */
export function usersSourceId(botUserId: string): string {
  return `notion-users:${botUserId}`;
}

export interface NotionUsersOptions extends ContactWriteOptions {
  /** Users gathered before a Brevo write (changed ones and seen marks). */
  flushRows: number;
  pageSize: number;
}

export const DEFAULT_NOTION_USERS_OPTIONS: NotionUsersOptions = {
  ...DEFAULT_CONTACT_WRITE_OPTIONS,
  flushRows: 5_000,
  pageSize: NOTION_USERS_PAGE_SIZE,
};

export interface NotionUsersContext {
  tenantId: string;
  /** The connection's paced gateway (its pacer is the one every caller of the token shares). */
  notion: NotionGateway;
  brevo: BrevoClient;
  /** The CallStats the gateway and the Brevo client count into, for the summary's request counts. */
  stats?: { notion: CallStats; brevo: CallStats };
  cursors: CursorStore;
  clock: Clock;
  /** Notion user field → Brevo attribute, over DEFAULT_NOTION_USER_MAPPING. */
  mapping?: Record<string, string>;
  /** Brevo list the people join (and leave). Without it every write is an upsert. */
  listId?: number;
  options?: Partial<NotionUsersOptions>;
  /** Epoch ms an import wait never runs past (a worker's invocation deadline). */
  deadline?: number;
  onProgress?: (e: ProgressEvent) => void;
}

export type NotionUsersSummary = SyncSummary & { bots: number; missingEmail: number };

// ------------------------------------------------------------------------------------- mapping

export interface NotionUserPlan {
  fields: { field: NotionUserField; attribute: BrevoAttribute }[];
}

/** The mapping checked against the account's attributes; what cannot be written becomes a warning. */
export function buildNotionUserPlan(
  attributes: BrevoAttribute[],
  mapping: Record<string, string> | undefined,
  /** Attributes the account has but this version cannot write (BrevoClient.readAttributes). */
  unsupported: UnsupportedAttribute[] = [],
): { plan: NotionUserPlan; warnings: string[] } {
  const byName = new Map(attributes.map((a) => [a.name.toUpperCase(), a]));
  const unwritable = new Map(unsupported.map((u) => [u.name.toUpperCase(), u]));
  const warnings: string[] = [];
  const fields: NotionUserPlan['fields'] = [];
  const merged: Record<string, string | undefined> = { ...DEFAULT_NOTION_USER_MAPPING, ...mapping };
  for (const [field, raw] of Object.entries(merged)) {
    if (raw === undefined || raw.trim() === '') continue;
    if (!(NOTION_USER_FIELDS as readonly string[]).includes(field)) {
      warnings.push(
        `unknown Notion user field "${field}" in the mapping: ignored (known: ${NOTION_USER_FIELDS.join(', ')})`,
      );
      continue;
    }
    const target = raw.trim().toUpperCase();
    if (target === 'EMAIL' || target === 'EXT_ID' || target === 'SMS') {
      warnings.push(`Notion user field ${field} cannot be mapped to ${target}: the contact is keyed by the email`);
      continue;
    }
    const attr = byName.get(target);
    const cannot = unwritable.get(target);
    if (!attr && cannot) {
      warnings.push(`${unsupportedAttributeMessage(cannot)}: Notion user field ${field} is not synced`);
      continue;
    }
    if (!attr) {
      warnings.push(
        `Brevo has no contact attribute ${target}: Notion user field ${field} is not synced (create it under Contacts → Settings → Attributes)`,
      );
      continue;
    }
    if (attr.category === 'calculated' || attr.category === 'global') {
      warnings.push(`${target} is a ${attr.category} Brevo attribute and cannot be written: ${field} is not synced`);
      continue;
    }
    fields.push({ field: field as NotionUserField, attribute: attr });
  }
  return { plan: { fields }, warnings };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export function notionUserFieldValue(u: NotionUser, field: NotionUserField): string | undefined {
  switch (field) {
    case 'first_name':
      return splitRealName(u.name).first;
    case 'last_name':
      return splitRealName(u.name).last;
    case 'name':
      return text(u.name);
    case 'id':
      return u.id;
    case 'avatar_url':
      return text(u.avatar_url);
  }
}

export type NotionUserKind = 'bot' | 'missingEmail' | 'person';

/** Bots by type; anything else that is not a person (a future type) is skipped as a bot would be. */
export function classifyNotionUser(u: NotionUser): NotionUserKind {
  if (u.type !== 'person') return 'bot';
  return text(u.person?.email) === undefined ? 'missingEmail' : 'person';
}

export type MappedNotionUser = EmailContactRow;

/** Maps one person (with an email) to a contact; a field that cannot map is left out with a field error. */
export function mapNotionUser(
  u: NotionUser,
  plan: NotionUserPlan,
  listId: number | undefined,
): { ok: true; row: MappedNotionUser } | { ok: false; errors: RowError[] } {
  return mapEmailKeyedContact(u.id, text(u.person?.email), listId, (attributes, fieldErrors, sources) => {
    for (const f of plan.fields) {
      const v = notionUserFieldValue(u, f.field);
      const coerced = coerceToAttribute(v === undefined ? { kind: 'empty' } : { kind: 'text', value: v }, f.attribute);
      const name = f.attribute.name;
      if (!coerced.ok) {
        // Left out of this person's write; the contact is still written with the rest.
        fieldErrors.push(fieldError(u.id, f.field, name, `${f.field} → ${name}: ${coerced.reason}`));
        continue;
      }
      // Empty values are left out: the sync never erases what Brevo holds for an empty Notion name.
      if (coerced.value !== null && coerced.value !== '') {
        attributes[name] = coerced.value;
        sources[name] = f.field;
      }
    }
  });
}

// ------------------------------------------------------------------------------------- the run

/** A users run's summary before anything is read. */
export function emptyNotionUsersSummary(mode: 'full' | 'incremental'): NotionUsersSummary {
  return { ...emptySummary(mode), bots: 0, missingEmail: 0 };
}

/**
 * Runs one Notion users → Brevo sync in process. `runId` (sortable by start time) marks the
 * fingerprints a full run saw; one is made when not given. `summary` (a fresh
 * emptyNotionUsersSummary) is filled as the run goes: when the run throws, it holds the counts so far.
 */
export async function syncNotionUsers(
  ctx: NotionUsersContext,
  opts: { mode: 'full' | 'incremental'; runId?: string; summary?: NotionUsersSummary },
): Promise<{ summary: NotionUsersSummary; runId: string }> {
  const runId = opts.runId ?? newRunId(ctx.clock);
  const o = { ...DEFAULT_NOTION_USERS_OPTIONS, ...ctx.options };
  const summary = opts.summary ?? emptyNotionUsersSummary(opts.mode);
  const stats = ctx.stats ?? { notion: newStats(), brevo: newStats() };
  const atStart = { notion: { ...stats.notion }, brevo: { ...stats.brevo } };
  const started = ctx.clock.now();
  try {
    await runUsers(ctx, opts.mode, runId, o, summary);
  } finally {
    summary.notionRequests = stats.notion.requests - atStart.notion.requests;
    summary.brevoRequests = stats.brevo.requests - atStart.brevo.requests;
    summary.rateLimited =
      stats.notion.rateLimited - atStart.notion.rateLimited + stats.brevo.rateLimited - atStart.brevo.rateLimited;
    summary.durationMs = ctx.clock.now() - started;
  }
  return { summary, runId };
}

async function runUsers(
  ctx: NotionUsersContext,
  mode: 'full' | 'incremental',
  runId: string,
  o: NotionUsersOptions,
  summary: NotionUsersSummary,
): Promise<void> {
  // The bot user names the installation (one per integration and workspace): the fingerprints'
  // source, so two connections to different workspaces never share them. Also an early token check.
  const [me, { attributes, unsupported }] = await Promise.all([ctx.notion.me(), ctx.brevo.readAttributes()]);
  const built = buildNotionUserPlan(attributes, ctx.mapping, unsupported);
  summary.warnings.push(...built.warnings);
  const sourceId = usersSourceId(me.id);
  ctx.onProgress?.({ type: 'source', title: SOURCE_TITLE, sourceId });
  const writer = await BrevoContactWriter.open({
    upsertThreshold: o.upsertThreshold,
    importFirstPollMs: o.importFirstPollMs,
    importTimeoutMs: o.importTimeoutMs,
    tenantId: ctx.tenantId,
    connector: 'notion',
    sourceId,
    title: SOURCE_TITLE,
    brevo: ctx.brevo,
    cursors: ctx.cursors,
    clock: ctx.clock,
    mode,
    runId,
    listId: ctx.listId,
    deadline: ctx.deadline,
    // Every run reads every user: an unconfirmed one is rewritten by the next run.
    retriedBy: 'the next run',
    summary,
    onProgress: ctx.onProgress,
  });

  const seen = new Set<string>();
  const emailOwner = new Map<string, string>();
  let withEmail = 0;
  let cursor: string | undefined;
  do {
    let page: Awaited<ReturnType<NotionGateway['listUsers']>>;
    try {
      page = await ctx.notion.listUsers({ startCursor: cursor, pageSize: o.pageSize });
    } catch (err) {
      if (err instanceof ProviderError && err.status === 403) {
        throw new ProviderError('notion', 403, err.code, NO_USER_CAPABILITY_MESSAGE);
      }
      throw err;
    }
    // Users Notion sent without what a user needs (an id): one failure each, with why; one that has
    // an id is still in the workspace, so a full run's sweep keeps it.
    for (const skipped of page.skipped ?? []) {
      // Read and failed: in pagesRead, so the counts add up (shared/core/runs/counts.ts).
      summary.pagesRead += 1;
      recordRowFailure(summary, [{ pageId: skipped.id ?? '(no id)', reason: `unreadable user: ${skipped.reason}` }]);
      if (skipped.id) {
        seen.add(skipped.id);
        writer.keep(skipped.id);
      }
    }
    for (const u of page.users) {
      if (seen.has(u.id)) continue; // a page boundary that moved under us (the order is not guaranteed)
      seen.add(u.id);
      summary.pagesRead += 1;
      const kind = classifyNotionUser(u);
      if (kind === 'bot') {
        summary.bots += 1;
        addSkip(summary, SKIP_BOT);
        continue;
      }
      // From here the person is still in the workspace: one not written this run stays in the list.
      if (kind === 'missingEmail') {
        summary.missingEmail += 1;
        addSkip(summary, SKIP_NO_EMAIL);
        writer.keep(u.id);
        continue;
      }
      withEmail += 1;
      const res = mapNotionUser(u, built.plan, ctx.listId);
      if (!res.ok) {
        recordRowFailure(summary, res.errors);
        writer.keep(u.id);
        continue;
      }
      const owner = emailOwner.get(res.row.email);
      if (owner !== undefined) {
        recordRowFailure(summary, [
          { pageId: u.id, property: 'email', reason: `email ${res.row.email} is also the email of user ${owner}` },
        ]);
        writer.keep(u.id);
        continue;
      }
      emailOwner.set(res.row.email, u.id);
      writer.offer(res.row);
    }
    cursor = page.hasMore ? page.nextCursor : undefined;
    ctx.onProgress?.({ type: 'rows', title: SOURCE_TITLE, pagesRead: summary.pagesRead });
    if (writer.buffered >= o.flushRows || (cursor === undefined && writer.buffered > 0)) await writer.flush();
  } while (cursor !== undefined);

  // The email level is all or nothing for an integration: people listed but none with an email
  // means the capability lacks emails, not that the people lack them.
  if (summary.missingEmail > 0 && withEmail === 0) summary.warnings.push(NO_EMAIL_CAPABILITY_WARNING);
  if (mode === 'full') {
    const vanished = writer.vanished().filter((f) => !seen.has(f.rowId));
    await writer.remove(vanished);
    summary.vanished = (summary.vanished ?? 0) + vanished.length;
  }
}

// ------------------------------------------------------------------------------------- run record

/**
 * Runs the users sync and records it as a Notion run with `job: 'users'` (the status of the
 * database sync leaves those out). A failure is recorded, then thrown.
 */
export async function runNotionUsersRecorded(
  ctx: NotionUsersContext & { runs: RunStore },
  args: { mode: 'full' | 'incremental'; trigger: RunRecord['trigger']; runId?: string },
): Promise<RunRecord & { summary: NotionUsersSummary }> {
  const runId = args.runId ?? newRunId(ctx.clock);
  const startedAt = new Date(ctx.clock.now()).toISOString();
  const base = { tenantId: ctx.tenantId, connector: 'notion' as const, job: 'users' as const, runId, mode: args.mode };
  // Filled as the run goes: the failed run's record keeps the counts so far.
  const summary = emptyNotionUsersSummary(args.mode);
  try {
    await syncNotionUsers(ctx, { mode: args.mode, runId, summary });
    const run = {
      ...base,
      status: 'succeeded' as const,
      startedAt,
      finishedAt: new Date(ctx.clock.now()).toISOString(),
      trigger: args.trigger,
      summary,
    };
    await ctx.runs.putRun(run);
    return run;
  } catch (err) {
    await ctx.runs.putRun({
      ...base,
      status: 'failed',
      startedAt,
      finishedAt: new Date(ctx.clock.now()).toISOString(),
      trigger: args.trigger,
      summary,
      error: failureReason(err),
    });
    throw err;
  }
}
