/**
 * Brevo → Notion: rules in `connectors.notion.rules` turn Brevo (and platform) events into database
 * pages, through the Notion lane.
 *
 * Ingress (`POST /webhooks/brevo/{tenantId}`, shared/connectors/notion/rules/ingress.ts): the parsed events are
 * matched against the rules and the matches go into the Notion lane in chunks, one message group
 * per integration, deduplicated by the events' ids. A contact change made with one of our own
 * Brevo API keys (api_key_name) matches nothing: it is the echo of our own write.
 *
 * Worker (`notion.rules.apply`): per match, the database is resolved (cached), the contact read
 * from Brevo when the rule needs attributes the event did not carry, the values checked against
 * the database's property types (a value that does not fit is a per-row error), the page found by
 * `match_by` and updated, or created. Every write leaves a page-write record: the Notion → Brevo
 * sync recognises its echo by it (ownWriteChecker), and the next rule run tells our values from a
 * person's edits by it.
 *
 * Conflicts (a property both sides changed) follow one rule, latest edit wins:
 * - Notion dates an edit only to the minute (last_edited_time is rounded down), so a Notion edit
 *   may have happened up to a minute after its stamp. Brevo's change wins only when it happened at
 *   least a minute after the stamp; otherwise the Notion value stays (ties go to the person's edit).
 * - A value we wrote ourselves is not a person's edit: a newer Brevo change replaces it freely, an
 *   older one (a late or out-of-order delivery) loses to it.
 * - The losing value is recorded in the rule run's conflicts (`tajo connectors status notion`).
 * An empty Notion value is filled without a conflict; an empty rendered value never erases one.
 */
import type { BrevoClient } from '../../../core/brevo/client';
import { MAX_STORED_ERRORS } from '../../../core/brevo/contact-rows';
import { failureReason, ProviderError, RateLimitedError } from '../../../core/errors';
import type { CallStats } from '../../../core/http/paced-fetch';
import type {
  Clock,
  ConnectionSettings,
  CursorStore,
  MarkerStore,
  PageWrite,
  PageWriteStore,
  RuleConflict,
  RuleRowError,
  RuleRunRecord,
  RunStore,
} from '../../../core/ports';
import type { NotionGateway, NotionPage } from '../client';
import type { NotionRuleConfig } from '../config-schema';
import type { NotionLaneMessage } from '../lane/messages';
import type { NotionPropertyValue } from '../mapping/values';
import { normaliseDatabaseId } from './ingress';
import {
  canonicalValue,
  matchFilter,
  type RuleSchemaProperty,
  storedPropertiesHash,
  toNotionValue,
} from './notion-values';
import { attributesUsed, becomesHolds, type RuleItem, renderProperties } from './rules';

/** A Notion edit happened somewhere in the minute its last_edited_time names. */
export const NOTION_TIME_RESOLUTION_MS = 60_000;
/** An applied (event, rule) is remembered longer than Brevo retries a delivery (about 11 hours). */
const APPLIED_TTL_S = 7 * 86_400;
/** The database's data source and schema are read again after this long (or when a property is missing). */
const TARGET_MAX_AGE_MS = 3_600_000;

// ---------------------------------------------------------------------------------------------
// Our own writes, as the Notion → Brevo sync sees them
// ---------------------------------------------------------------------------------------------

/**
 * True when the page is as our last rule write left it: same last_edited_time, last edited by our
 * bot (when Notion says who), same stored values. A person's edit in the same (rounded) minute
 * changes the values, so it is not mistaken for ours.
 */
export function isOwnPageWrite(record: PageWrite | undefined, page: NotionPage): boolean {
  if (!record) return false;
  if (Date.parse(record.lastEditedTime) !== Date.parse(page.last_edited_time)) return false;
  const editor = (page as { last_edited_by?: { id?: unknown } }).last_edited_by?.id;
  if (record.botId && typeof editor === 'string' && editor !== record.botId) return false;
  return record.propertiesHash === storedPropertiesHash(page.properties as Record<string, NotionPropertyValue>);
}

/**
 * For the sync: loads one database's page writes (one query) and answers, per row read, whether
 * the row is our own write (then it is not written back to Brevo).
 */
export function ownWriteChecker(
  store: PageWriteStore,
  tenantId: string,
): (databaseId: string) => Promise<(page: NotionPage) => boolean> {
  return async (databaseId) => {
    const writes = await store.listPageWrites(tenantId, normaliseDatabaseId(databaseId));
    const byPage = new Map(writes.map((w) => [w.pageId, w]));
    return (page) => isOwnPageWrite(byPage.get(page.id), page);
  };
}

// ---------------------------------------------------------------------------------------------
// Conflicts
// ---------------------------------------------------------------------------------------------

export interface ConflictInput {
  page: NotionPage;
  /** Property name → the request value the rule would write. */
  values: Record<string, Record<string, unknown>>;
  schema: Record<string, RuleSchemaProperty>;
  own: PageWrite | undefined;
  /** When the change happened in Brevo. */
  brevoAt: string;
  rule: string;
  email: string;
  now: string;
}

/**
 * Which of the rule's values to write to an existing page, and the conflicts (see the module
 * comment for the rule). Pure.
 */
export function resolveConflicts(input: ConflictInput): {
  write: Record<string, Record<string, unknown>>;
  conflicts: RuleConflict[];
  /** The latest minute someone else edited the page in, as far as we know (see PageWrite). */
  othersEditedAt: string | undefined;
} {
  const { page, own } = input;
  const brevoMs = Date.parse(input.brevoAt);
  const unchangedSinceOurWrite = isOwnPageWrite(own, page);
  // When the page is as we left it, a value we did not write was set before our write: by the
  // edit recorded then. Otherwise the page's own stamp is the latest edit.
  const othersEditedAt = unchangedSinceOurWrite ? own?.othersEditedAt : page.last_edited_time;
  const write: Record<string, Record<string, unknown>> = {};
  const conflicts: RuleConflict[] = [];
  for (const [name, value] of Object.entries(input.values)) {
    const prop = input.schema[name] as RuleSchemaProperty;
    const next = canonicalValue({ id: prop.id, type: prop.type, ...value });
    const current = page.properties[name];
    const held = current ? canonicalValue(current as NotionPropertyValue) : '';
    if (next === held) continue;
    if (held === '') {
      write[name] = value;
      continue;
    }
    const conflict = (
      winner: RuleConflict['winner'],
      kept: string,
      lost: string,
      notionEditedAt: string,
      reason: string,
    ): RuleConflict => ({
      rule: input.rule,
      email: input.email,
      pageId: page.id,
      property: name,
      winner,
      kept,
      lost,
      brevoAt: input.brevoAt,
      notionEditedAt,
      reason,
      at: input.now,
    });
    const ours = own?.values[name];
    if (ours && ours.value === held) {
      // The page still holds what we wrote: not a person's edit, only an ordering question.
      if (Date.parse(ours.at) > brevoMs) {
        const reason = `an older Brevo change (${input.brevoAt}) than the one already written (${ours.at})`;
        conflicts.push(conflict('brevo', held, next, own?.lastEditedTime ?? page.last_edited_time, reason));
      } else write[name] = value;
      continue;
    }
    const editedAt = othersEditedAt ?? page.last_edited_time;
    if (brevoMs >= Date.parse(editedAt) + NOTION_TIME_RESOLUTION_MS) {
      write[name] = value;
      const reason = `the Brevo change (${input.brevoAt}) came after the Notion edit (minute ${editedAt})`;
      conflicts.push(conflict('brevo', next, held, editedAt, reason));
    } else {
      const reason = `the Notion edit (minute ${editedAt}) is not known to be older than the Brevo change (${input.brevoAt}): within that minute the Notion edit wins`;
      conflicts.push(conflict('notion', held, next, editedAt, reason));
    }
  }
  return { write, conflicts, othersEditedAt };
}

// ---------------------------------------------------------------------------------------------
// Worker
// ---------------------------------------------------------------------------------------------

export interface RuleWorkerDeps {
  tenantId: string;
  settings: ConnectionSettings['notion'];
  notion: NotionGateway;
  brevo: BrevoClient;
  stats: { notion: CallStats; brevo: CallStats };
  markers: MarkerStore;
  pageWrites: PageWriteStore;
  runs: RunStore;
  cursors: CursorStore;
  clock: Clock;
}

interface RuleTarget {
  databaseId: string;
  sourceId: string;
  title: string;
  schema: Record<string, RuleSchemaProperty>;
  resolvedAt: number;
}

/** A target known in this message; `readNow` when it was read from Notion by this message. */
type KnownTargets = Map<string, { target: RuleTarget; readNow: boolean }>;

type ItemOutcome =
  | { kind: 'created' | 'updated' | 'unchanged' | 'skipped'; conflicts: RuleConflict[] }
  | { kind: 'failed'; errors: RuleRowError[]; conflicts: RuleConflict[] };

export function emptyRuleRun(tenantId: string, runId: string, items: number, startedAt: string): RuleRunRecord {
  return {
    tenantId,
    runId,
    status: 'running',
    startedAt,
    items,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    duplicates: 0,
    failed: 0,
    errors: [],
    errorsTruncated: 0,
    conflicts: [],
    conflictsTruncated: 0,
    notionRequests: 0,
    brevoRequests: 0,
  };
}

/**
 * Applies one `notion.rules.apply` message. Matches already applied (an earlier delivery) are
 * skipped by their marker; per-row problems are recorded and do not fail the message; a rate
 * limit or a connection-level failure (token, database not shared, network) is thrown for the
 * lane to park or retry it, and in the end dead-letter it (nothing is lost: replay resumes).
 */
export async function applyNotionRules(
  deps: RuleWorkerDeps,
  message: Extract<NotionLaneMessage, { type: 'notion.rules.apply' }>,
  opts: { lastAttempt: boolean },
): Promise<RuleRunRecord> {
  const nowIso = () => new Date(deps.clock.now()).toISOString();
  const run =
    (await deps.runs.getRuleRun(deps.tenantId, message.runId)) ??
    emptyRuleRun(deps.tenantId, message.runId, message.items.length, nowIso());
  if (run.status === 'succeeded') return run;
  run.status = 'running';
  run.error = undefined;
  const statsAtStart = { notion: deps.stats.notion.requests, brevo: deps.stats.brevo.requests };
  const targets: KnownTargets = new Map();
  const items = [...message.items].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  try {
    for (const item of items) {
      const key = `b2n#${item.rule}#${item.eventId}`;
      if (await deps.markers.hasMarker(deps.tenantId, key)) {
        run.duplicates += 1;
        continue;
      }
      const outcome = await applyItem(deps, targets, item, nowIso);
      for (const c of outcome.conflicts) {
        if (run.conflicts.length < MAX_STORED_ERRORS) run.conflicts.push(c);
        else run.conflictsTruncated += 1;
      }
      if (outcome.kind === 'failed') {
        run.failed += 1;
        for (const e of outcome.errors) {
          if (run.errors.length < MAX_STORED_ERRORS) run.errors.push(e);
          else run.errorsTruncated += 1;
        }
      } else run[outcome.kind] += 1;
      await deps.markers.claimMarker(deps.tenantId, key, APPLIED_TTL_S);
    }
    run.status = 'succeeded';
    run.finishedAt = nowIso();
  } catch (err) {
    // The record (shown by status) gets one line; an internal error's dump never reaches it.
    run.error = failureReason(err);
    // A rate limit parks the lane: the same message comes back and continues this record.
    if (opts.lastAttempt && !(err instanceof RateLimitedError)) {
      run.status = 'failed';
      run.finishedAt = nowIso();
    }
    throw err;
  } finally {
    run.notionRequests += deps.stats.notion.requests - statsAtStart.notion;
    run.brevoRequests += deps.stats.brevo.requests - statsAtStart.brevo;
    await deps.runs.putRuleRun(run);
  }
  return run;
}

/**
 * Notion refusing this event's write (400: a value it would not take, a database with several data
 * sources): a row error. Anything else (401, 403, 404 on the database, 5xx, network) is the
 * connection's and fails the message, to be retried and in the end replayed.
 */
function isRowLevel(err: unknown): err is ProviderError {
  return err instanceof ProviderError && err.provider === 'notion' && err.status === 400;
}

async function applyItem(
  deps: RuleWorkerDeps,
  targets: KnownTargets,
  item: RuleItem,
  nowIso: () => string,
): Promise<ItemOutcome> {
  const fail = (reason: string, extra: Partial<RuleRowError> = {}): ItemOutcome => ({
    kind: 'failed',
    errors: [{ rule: item.rule, email: item.email, eventId: item.eventId, reason, ...extra }],
    conflicts: [],
  });
  const rule = (deps.settings.rules ?? []).find((r) => r.name === item.rule);
  // The rule left the config after the event was queued: nothing to apply.
  if (!rule) return { kind: 'skipped', conflicts: [] };

  const attributes: Record<string, unknown> = { ...item.attributes };
  const needed = attributesUsed(rule).filter((a) => !(a in attributes));
  if (item.verify && rule.when.attribute) needed.push(rule.when.attribute);
  if (needed.length > 0) {
    const contact = await deps.brevo.getContact(item.email);
    if (!contact) return fail('the contact is not in Brevo (deleted since the event?)');
    for (const a of needed) if (a in contact.attributes) attributes[a] = contact.attributes[a];
  }
  if (item.verify && !becomesHolds(rule, attributes)) return { kind: 'skipped', conflicts: [] };

  try {
    return await writePage(deps, targets, item, rule, renderProperties(rule, item, attributes), nowIso, fail);
  } catch (err) {
    if (isRowLevel(err)) return fail(err.message);
    throw err;
  }
}

/** The rule's values checked against the database, then the page created, or found and updated. */
async function writePage(
  deps: RuleWorkerDeps,
  targets: KnownTargets,
  item: RuleItem,
  rule: NotionRuleConfig,
  rendered: ReturnType<typeof renderProperties>,
  nowIso: () => string,
  fail: (reason: string, extra?: Partial<RuleRowError>) => ItemOutcome,
): Promise<ItemOutcome> {
  let known = await resolveTarget(deps, targets, rule.database, false);
  let converted = convert(rule, known.target, rendered);
  if (!converted.ok && !known.readNow) {
    // A property or option the cached schema lacks may be new: read the schema again, once.
    known = await resolveTarget(deps, targets, rule.database, true);
    converted = convert(rule, known.target, rendered);
  }
  const target = known.target;
  if (!converted.ok) {
    return {
      kind: 'failed',
      errors: converted.errors.map((e) => ({ rule: item.rule, email: item.email, eventId: item.eventId, ...e })),
      conflicts: [],
    };
  }
  const values = converted.values;
  if (Object.keys(values).length === 0) return { kind: 'unchanged', conflicts: [] };

  // `readBack` finds the page a creation whose answer was lost made (NotionGateway.createPage);
  // a create-only rule has no key to find it by, so its creation is at most once.
  const create = async (readBack?: () => Promise<NotionPage | undefined>): Promise<ItemOutcome> => {
    const page = await deps.notion.createPage(
      { databaseId: target.databaseId, sourceId: target.sourceId },
      values,
      readBack ? { readBack } : {},
    );
    await recordWrite(deps, { rule, target, page, written: values, item });
    return { kind: 'created', conflicts: [] };
  };
  if (rule.action === 'create') return await create();
  const matchBy = rule.match_by as string;
  const matchValue = values[matchBy];
  if (!matchValue) return fail(`${matchBy} (match_by) is empty for this event: no value to find the page by`);
  const filter = matchFilter(matchBy, target.schema[matchBy] as RuleSchemaProperty, matchValue);
  if (!filter.ok) return fail(filter.reason, { property: matchBy });
  // The oldest page with the value is the one kept up to date (duplicates are left alone).
  const oldest = async () =>
    (
      await deps.notion.query(target.sourceId, {
        filter: filter.filter,
        sorts: [{ timestamp: 'created_time', direction: 'ascending' }],
        pageSize: 1,
      })
    ).pages[0];
  const existing = await oldest();
  if (!existing) return await create(oldest);
  const own = await deps.pageWrites.getPageWrite(deps.tenantId, target.databaseId, existing.id);
  const resolved = resolveConflicts({
    page: existing,
    values,
    schema: target.schema,
    own,
    brevoAt: item.occurredAt,
    rule: rule.name,
    email: item.email,
    now: nowIso(),
  });
  if (Object.keys(resolved.write).length === 0) return { kind: 'unchanged', conflicts: resolved.conflicts };
  let page: NotionPage;
  try {
    page = await deps.notion.updatePageProperties(existing.id, resolved.write);
  } catch (err) {
    // Deleted between the query and the write: this event's page is gone, not the connection.
    if (err instanceof ProviderError && err.status === 404) return fail(err.message, { pageId: existing.id });
    throw err;
  }
  await recordWrite(deps, {
    rule,
    target,
    page,
    written: resolved.write,
    item,
    previous: own,
    othersEditedAt: resolved.othersEditedAt,
  });
  return { kind: 'updated', conflicts: resolved.conflicts };
}

function convert(
  rule: NotionRuleConfig,
  target: RuleTarget,
  rendered: ReturnType<typeof renderProperties>,
):
  | { ok: true; values: Record<string, Record<string, unknown>> }
  | { ok: false; errors: { property: string; reason: string }[] } {
  const values: Record<string, Record<string, unknown>> = {};
  const errors: { property: string; reason: string }[] = [];
  for (const [name, value] of Object.entries(rendered)) {
    const prop = target.schema[name];
    if (!prop) {
      errors.push({
        property: name,
        reason: `database ${target.title} has no property "${name}" (it has: ${Object.keys(target.schema).join(', ')})`,
      });
      continue;
    }
    const r = toNotionValue(name, prop, value);
    if (r.ok) values[name] = r.value;
    else errors.push({ property: name, reason: r.reason });
  }
  // match_by is validated against the schema even when its value is empty for this event.
  const matchBy = rule.action === 'upsert' ? rule.match_by : undefined;
  if (matchBy && !target.schema[matchBy] && !(matchBy in rendered)) {
    errors.push({ property: matchBy, reason: `database ${target.title} has no property "${matchBy}" (match_by)` });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values };
}

/**
 * The database's single data source and its schema (with options), cached on a cursor record for
 * an hour: most messages cost no schema request. A database with several data sources is refused.
 */
async function resolveTarget(
  deps: RuleWorkerDeps,
  targets: KnownTargets,
  database: string,
  refresh: boolean,
): Promise<{ target: RuleTarget; readNow: boolean }> {
  const databaseId = normaliseDatabaseId(database);
  const known = targets.get(databaseId);
  if (known && (!refresh || known.readNow)) return known;
  const key = `rules-target:${databaseId}`;
  if (!refresh) {
    const cached = (await deps.cursors.getCursor(deps.tenantId, 'notion', key))?.meta as
      | (RuleTarget & { apiVersion: string })
      | undefined;
    if (
      cached &&
      cached.apiVersion === deps.notion.apiVersion &&
      deps.clock.now() - cached.resolvedAt < TARGET_MAX_AGE_MS
    ) {
      const entry = { target: cached, readNow: false };
      targets.set(databaseId, entry);
      return entry;
    }
  }
  const resolved = await deps.notion.resolveDatabase(database);
  if (resolved.sources.length !== 1) {
    throw new ProviderError(
      'notion',
      400,
      'multiple_data_sources',
      `database ${resolved.title} has ${resolved.sources.length} data sources: a rule writes to a database with one`,
    );
  }
  const source = resolved.sources[0] as { id: string };
  const schema = await deps.notion.getSchema(source.id, { withOptions: true });
  const target: RuleTarget = {
    databaseId,
    sourceId: source.id,
    title: resolved.title,
    schema: Object.fromEntries(
      Object.entries(schema).map(([n, p]) => [
        n,
        { id: p.id, type: p.type, ...(p.options ? { options: p.options } : {}) },
      ]),
    ),
    resolvedAt: deps.clock.now(),
  };
  const entry = { target, readNow: true };
  targets.set(databaseId, entry);
  await deps.cursors.putCursor(deps.tenantId, 'notion', {
    sourceId: key,
    meta: { ...target, apiVersion: deps.notion.apiVersion },
    updatedAt: new Date(deps.clock.now()).toISOString(),
  });
  return entry;
}

async function recordWrite(
  deps: RuleWorkerDeps,
  w: {
    rule: NotionRuleConfig;
    target: RuleTarget;
    page: NotionPage;
    written: Record<string, Record<string, unknown>>;
    item: RuleItem;
    /** The page's record before this write (an update), if any. */
    previous?: PageWrite;
    othersEditedAt?: string;
  },
): Promise<void> {
  const values = { ...(w.previous?.values ?? {}) };
  for (const [name, value] of Object.entries(w.written)) {
    const prop = w.target.schema[name] as RuleSchemaProperty;
    values[name] = { value: canonicalValue({ id: prop.id, type: prop.type, ...value }), at: w.item.occurredAt };
  }
  const editor = (w.page as { last_edited_by?: { id?: unknown } }).last_edited_by?.id;
  await deps.pageWrites.putPageWrite({
    tenantId: deps.tenantId,
    databaseId: w.target.databaseId,
    pageId: w.page.id,
    lastEditedTime: w.page.last_edited_time,
    propertiesHash: storedPropertiesHash(w.page.properties as Record<string, NotionPropertyValue>),
    ...(typeof editor === 'string' ? { botId: editor } : {}),
    ...(w.othersEditedAt ? { othersEditedAt: w.othersEditedAt } : {}),
    values,
    rule: w.rule.name,
    writtenAt: new Date(deps.clock.now()).toISOString(),
  });
}
