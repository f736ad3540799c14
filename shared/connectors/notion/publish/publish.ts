/**
 * Published → campaign: a page of a database with a `publish` rule that enters the rule's state
 * (Status = Published) becomes a Brevo email campaign for the rule's list, sent at once or
 * scheduled, exactly once per page version.
 *
 * The rule, as a marketing user expects it:
 * - **Entering the state** is seeing the page in the state when the last time we saw it (or never)
 *   it was not. The sync notices it whichever way it reads the row: the 4-hourly poll, a full or
 *   incremental run, a run queued by a Notion webhook.
 * - **The page version** is the page's last_edited_time at that entry (the status change itself
 *   sets it). One entry, one campaign.
 * - A page that **stays** in the state is never sent again, whether it is merely read again or
 *   edited (a typo fixed after the send must not mail the list a second time).
 * - A page that **leaves and comes back** is a new version: it is sent again. "Leaving" must be
 *   seen: a page moved out and back between two reads (4 hours apart without webhooks) is not.
 * - A page that leaves **before its campaign went out** is not sent (unpublishing stops it).
 * - Pages **already in the state when the rule is first seen** are not mailed (`existing: skip`,
 *   the default): only pages edited before that moment are taken for old ones, so a page published
 *   while the rule was being set up is still sent. `existing: send` mails them.
 *
 * How it runs:
 * - Detection (`watchPublishing`, the sync's onRowsRead) writes one record per page (PUB#...) with
 *   a revision-conditional put: of two readers seeing the same entry (a poll and a webhook run, a
 *   redelivered step), exactly one records it. No Brevo call happens in the sync.
 * - Publishing (`publishPending`, a `notion.publish` lane message after each run, or the CLI)
 *   takes the open records: `pending` → `creating` (recorded before the POST) → `created` with the
 *   campaign id (recorded as soon as Brevo answers) → `sent`. A crash after the POST leaves
 *   `creating`: the next attempt finds the campaign by its name (unique per page version) before
 *   creating one; a crash after sendNow leaves `created`: sendNow again answers 400 and the
 *   campaign's status shows it went out. So no page version ever gets a second campaign.
 * - Budget: Brevo allows 100 calls an hour on these endpoints per account. Calls are reserved in
 *   the tenant's shared hourly budget before they are made (create + send together); when it is
 *   spent, or Brevo answers 429, the rest wait: the run says so, the log says so, and a timer
 *   brings the work back when the hour turns (the next run would too).
 */
import type { BrevoClient, BrevoSender } from '../../../core/brevo/client';
import type { NotionConnectorConfig, NotionDatabaseConfig, PublishConfig } from '../../../core/config/schema';
import { BudgetExhaustedError, ProviderError, RateLimitedError, reasonOf } from '../../../core/errors';
import type {
  Clock,
  CursorStore,
  PublishedCampaign,
  PublishSummary,
  RowError,
  RunRecord,
  RunStore,
} from '../../../core/ports';
import {
  OPEN_PUBLICATION_STATUSES,
  type PagePublishState,
  type Publication,
  type PublishStateStore,
} from '../../../core/ports/publications';
import { emptySummary, newRunId } from '../../../core/runs/summary';
import type { NotionGateway, NotionPage } from '../client';
import { renderEmailHtml } from '../content/email-html';
import { BlockTreeLimitError, loadBlockTree } from '../content/load';
import type { NotionSyncContext, ReadSource } from '../sync/sync-context';
import {
  campaignMarker,
  campaignName,
  isInState,
  publishRuleIssues,
  ruleKey,
  scheduledAtOf,
  subjectOf,
  titleOf,
} from './rule';

/** Campaigns listed in one run summary; the rest are counted. */
const MAX_REPORTED = 100;
/** Earlier publications kept per page. */
const MAX_HISTORY = 10;
/** A publishing pass stops starting pages this long before its deadline. */
const PUBLISH_RESERVE_MS = 60_000;
/** Content requests per page (each ≤ 100 blocks): a newsletter is far below. */
const MAX_CONTENT_REQUESTS = 300;
/**
 * Calls of Brevo's hourly "other endpoints" budget publishing leaves to the contact sync (its
 * attributes, lists and import checks), so campaigns never starve the sync.
 */
export const SYNC_RESERVED_CALLS = 10;

type Log = (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;

export interface PublishDeps {
  tenantId: string;
  settings: Omit<NotionConnectorConfig, 'token'>;
  publications: PublishStateStore;
  cursors: CursorStore;
  clock: Clock;
  log?: Log;
}

/** Whether any database of the connection publishes (the lane then queues a publishing pass). */
export function hasPublishing(settings: Pick<NotionConnectorConfig, 'databases'>): boolean {
  return settings.databases.some((d) => d.publish !== undefined);
}

export function emptyPublishSummary(): PublishSummary {
  return { entered: 0, skipped: 0, cancelled: 0, campaigns: [], deferred: 0, issues: [] };
}

function publishSummaryOf(summary: { publish?: PublishSummary }): PublishSummary {
  summary.publish ??= emptyPublishSummary();
  return summary.publish;
}

function normaliseId(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}

function report(pub: PublishSummary, c: PublishedCampaign): void {
  if (pub.campaigns.length < MAX_REPORTED) pub.campaigns.push(c);
}

/** The previous publication moves to the history when a new entry replaces it. */
function archived(prev: PagePublishState | undefined): PagePublishState['history'] {
  const history = [...(prev?.history ?? [])];
  const p = prev?.publication;
  if (p) {
    history.unshift({
      version: p.version,
      status: p.status,
      updatedAt: p.updatedAt,
      ...(p.campaignId === undefined ? {} : { campaignId: p.campaignId }),
      ...(p.error === undefined ? {} : { error: p.error }),
    });
  }
  return history.slice(0, MAX_HISTORY);
}

// ================================================================== detection (in the sync)

/**
 * The sync's onRowsRead for publishing: records pages entering and leaving each rule's state.
 * Idempotent (a re-read page changes nothing), so a retried step may call it again.
 */
export function watchPublishing(deps: PublishDeps): NonNullable<NotionSyncContext['onRowsRead']> {
  const states = new Map<string, Map<string, PagePublishState>>();
  const activations = new Map<string, number>();

  const loadStates = async (databaseId: string) => {
    let m = states.get(databaseId);
    if (!m) {
      m = new Map((await deps.publications.listPublishStates(deps.tenantId, databaseId)).map((s) => [s.pageId, s]));
      states.set(databaseId, m);
    }
    return m;
  };

  /** When this rule was first seen for the database (kept in the cursor store). */
  const activatedAt = async (databaseId: string, publish: PublishConfig): Promise<number> => {
    const key = `${databaseId}:${ruleKey(publish)}`;
    const known = activations.get(key);
    if (known !== undefined) return known;
    const sourceId = `publish:${databaseId}`;
    const cursor = await deps.cursors.getCursor(deps.tenantId, 'notion', sourceId);
    const meta = cursor?.meta as { ruleKey?: string; activatedAt?: number } | undefined;
    let at = meta?.ruleKey === ruleKey(publish) ? meta.activatedAt : undefined;
    if (at === undefined) {
      at = deps.clock.now();
      await deps.cursors.putCursor(deps.tenantId, 'notion', {
        sourceId,
        meta: { ruleKey: ruleKey(publish), activatedAt: at },
        updatedAt: new Date(at).toISOString(),
      });
      deps.log?.('info', 'publish rule switched on', {
        tenantId: deps.tenantId,
        databaseId,
        existing: publish.existing,
      });
    }
    activations.set(key, at);
    return at;
  };

  return async (source: ReadSource, pages: NotionPage[], summary) => {
    const db = deps.settings.databases[source.dbIndex] as NotionDatabaseConfig | undefined;
    const publish = db?.publish;
    if (!publish) return;
    const pub = publishSummaryOf(summary);
    const issues = publishRuleIssues(source.dbIndex, publish, source.schema, source.title);
    if (issues.length > 0) {
      for (const issue of issues) {
        if (pub.issues.some((i) => i.path === issue.path && i.reason === issue.reason)) continue;
        pub.issues.push(issue);
        summary.warnings.push(`${issue.path}: ${issue.reason}; nothing is published from "${source.title}"`);
        deps.log?.('warn', 'publish rule does not fit the database', { tenantId: deps.tenantId, ...issue });
      }
      return;
    }
    if (pages.length === 0) return;
    const databaseId = normaliseId(source.databaseId);
    const known = await loadStates(databaseId);
    const since = await activatedAt(databaseId, publish);
    for (const page of pages) {
      const inState = isInState(page, publish);
      if (inState === (known.get(page.id)?.inState ?? false)) continue;
      const next = await observe(deps, { databaseId, publish, since, page, inState, pub, known });
      if (next) known.set(page.id, next);
    }
  };
}

/**
 * One page seen in, or out of, the state unlike its record says: writes the transition. On a lost
 * race the record is read again and the decision made again (the other writer may have done it).
 */
async function observe(
  deps: PublishDeps,
  a: {
    databaseId: string;
    publish: PublishConfig;
    since: number;
    page: NotionPage;
    inState: boolean;
    pub: PublishSummary;
    known: Map<string, PagePublishState>;
  },
): Promise<PagePublishState | undefined> {
  const now = new Date(deps.clock.now()).toISOString();
  let prev = a.known.get(a.page.id);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (a.inState === (prev?.inState ?? false)) return prev;
    let next: PagePublishState;
    let counted: () => void;
    if (a.inState) {
      const version = a.page.last_edited_time;
      const title = titleOf(a.page);
      // last_edited_time is rounded down to the minute: compare with the activation's minute, so a
      // page published in the minute the rule was switched on counts as new.
      const old = a.publish.existing === 'skip' && !prev && Date.parse(version) < Math.floor(a.since / 60_000) * 60_000;
      const publication: Publication = {
        version,
        status: old ? 'skipped' : 'pending',
        title,
        attempts: 0,
        updatedAt: now,
        ...(old ? { error: 'already in the publish state when publishing was switched on (existing: skip)' } : {}),
      };
      next = {
        tenantId: deps.tenantId,
        databaseId: a.databaseId,
        pageId: a.page.id,
        inState: true,
        changedAt: now,
        publication,
        history: archived(prev),
        rev: (prev?.rev ?? 0) + 1,
      };
      counted = () => {
        if (old) a.pub.skipped += 1;
        else a.pub.entered += 1;
        deps.log?.('info', old ? 'page already published before: not mailed' : 'page entered the publish state', {
          tenantId: deps.tenantId,
          pageId: a.page.id,
          version,
        });
      };
    } else {
      const current = prev as PagePublishState;
      let publication = current.publication;
      const open = publication && OPEN_PUBLICATION_STATUSES.includes(publication.status);
      if (publication && open) {
        const draft =
          publication.campaignId === undefined ? '' : `; draft campaign ${publication.campaignId} stays in Brevo`;
        publication = {
          ...publication,
          status: 'cancelled',
          error: `the page left the publish state before its campaign was sent${draft}`,
          updatedAt: now,
        };
      }
      next = { ...current, inState: false, changedAt: now, publication, rev: current.rev + 1 };
      counted = () => {
        if (!open || !publication) return;
        a.pub.cancelled += 1;
        report(a.pub, {
          pageId: a.page.id,
          title: publication.title ?? titleOf(a.page),
          version: publication.version,
          status: 'cancelled',
          ...(publication.campaignId === undefined ? {} : { campaignId: publication.campaignId }),
          error: publication.error,
        });
      };
    }
    if (await deps.publications.putPublishState(next, prev?.rev)) {
      counted();
      return next;
    }
    prev = await deps.publications.getPublishState(deps.tenantId, a.databaseId, a.page.id);
  }
  return prev;
}

// ================================================================== publishing (its own lane message)

export interface PublishPassDeps extends PublishDeps {
  notion: NotionGateway;
  brevo: BrevoClient;
  /** Epoch ms; no page is started later than PUBLISH_RESERVE_MS before it. */
  deadline: number;
}

export interface PublishPassResult {
  /** Whether there was anything to do (no run record is kept for an idle pass). */
  worked: boolean;
  summary: PublishSummary;
  errors: RowError[];
  warnings: string[];
  /** Pages fetched from Notion for publishing. */
  pagesRead: number;
  failed: number;
  /** Open publications left because the deadline came: continue in another message. */
  more: boolean;
  /** Budget or rate limit: retry the deferred publications at this time (epoch ms). */
  retryAt?: number;
  /** The earliest time an open publication can move again (budget reset, a failure's backoff). */
  wakeAt?: number;
}

type Step =
  | { kind: 'done'; state: PagePublishState }
  | { kind: 'busy' }
  | { kind: 'deferred'; retryInMs: number; reason: string };

/** Publishes the open publications of every publishing database, oldest entry first. */
export async function publishPending(deps: PublishPassDeps): Promise<PublishPassResult> {
  const res: PublishPassResult = {
    worked: false,
    summary: emptyPublishSummary(),
    errors: [],
    warnings: [],
    pagesRead: 0,
    failed: 0,
    more: false,
  };
  let deferredReason: string | undefined;
  for (const [dbIndex, db] of deps.settings.databases.entries()) {
    const publish = db.publish;
    if (!publish) continue;
    const databaseId = normaliseId(db.id);
    const now = deps.clock.now();
    const open = (await deps.publications.listPublishStates(deps.tenantId, databaseId))
      .filter((s) => s.inState && s.publication && OPEN_PUBLICATION_STATUSES.includes(s.publication.status))
      .sort((x, y) => x.changedAt.localeCompare(y.changedAt));
    if (open.length === 0) continue;
    const target = new TargetResolver(deps, dbIndex, publish);
    for (const state of open) {
      const publication = state.publication as Publication;
      if (res.retryAt !== undefined) {
        res.summary.deferred += 1;
        continue;
      }
      if (publication.notBefore && Date.parse(publication.notBefore) > now) {
        // A transient failure's backoff: the timer (or the next run) comes back to it.
        wake(res, Date.parse(publication.notBefore));
        continue;
      }
      if (deps.clock.now() >= deps.deadline - PUBLISH_RESERVE_MS) {
        res.more = true;
        break;
      }
      res.worked = true;
      const step = await publishOne(deps, { publish, state, target, res });
      if (step.kind === 'deferred') {
        res.retryAt = deps.clock.now() + step.retryInMs;
        wake(res, res.retryAt);
        res.summary.deferred += 1;
        deferredReason = step.reason;
        report(res.summary, {
          pageId: state.pageId,
          title: publication.title ?? '',
          version: publication.version,
          status: 'deferred',
          error: step.reason,
        });
      }
    }
  }
  if (res.retryAt !== undefined) {
    res.summary.retryAt = new Date(res.retryAt).toISOString();
    const message = `${deferredReason}: ${res.summary.deferred} publication${res.summary.deferred === 1 ? '' : 's'} deferred until ${res.summary.retryAt}`;
    res.warnings.push(message);
    deps.log?.('warn', 'publishing deferred', { tenantId: deps.tenantId, reason: message });
  }
  return res;
}

function wake(res: PublishPassResult, at: number): void {
  res.wakeAt = res.wakeAt === undefined ? at : Math.min(res.wakeAt, at);
}

/** The list and sender of one database's rule, resolved once per pass (and their errors). */
class TargetResolver {
  private list?: Promise<number | string>;
  private sender?: Promise<{ sender: { email: string; name?: string } | { id: number } } | { error: string }>;

  constructor(
    private readonly deps: PublishPassDeps,
    private readonly dbIndex: number,
    private readonly publish: PublishConfig,
  ) {}

  /** The list id, or the reason there is none. */
  listId(): Promise<number | string> {
    this.list ??= (async () => {
      const ref = this.publish.list;
      const lists = await this.deps.brevo.listLists();
      const found = lists.find((l) =>
        typeof ref === 'number' ? l.id === ref : l.name.toLowerCase() === ref.toLowerCase(),
      );
      return found
        ? found.id
        : `Brevo has no list ${typeof ref === 'number' ? ref : JSON.stringify(ref)} (connectors.notion.databases[${this.dbIndex}].publish.list): create it in Brevo or fix the config`;
    })();
    return this.list;
  }

  /** The sender as the campaign names it, after checking the account has it and it is active. */
  resolveSender() {
    this.sender ??= (async () => {
      const want = this.publish.sender;
      const budget = await this.deps.brevo.reserveOtherCalls(1, SYNC_RESERVED_CALLS);
      if (!budget.ok) throw new BudgetExhaustedError('brevo', 'other-endpoints', budget.retryInMs);
      const senders: BrevoSender[] = await this.deps.brevo.listSenders();
      const found =
        want.id !== undefined
          ? senders.find((s) => s.id === want.id)
          : senders.find((s) => s.email.toLowerCase() === (want.email ?? '').toLowerCase());
      const who = want.id !== undefined ? `sender id ${want.id}` : `sender ${want.email}`;
      const path = `connectors.notion.databases[${this.dbIndex}].publish.sender`;
      if (!found) {
        return {
          error: `${who} is not a sender of this Brevo account (${path}): add and verify it in Brevo (Senders, domains & dedicated IPs), or fix the config`,
        };
      }
      if (!found.active) {
        return {
          error: `${who} is not verified in Brevo (inactive): verify it under Senders, domains & dedicated IPs, then publish the page again`,
        };
      }
      return {
        sender:
          want.id !== undefined
            ? { id: want.id }
            : { email: found.email, ...(want.name ? { name: want.name } : found.name ? { name: found.name } : {}) },
      };
    })();
    return this.sender;
  }
}

/** Moves one publication as far as it can go now. */
async function publishOne(
  deps: PublishPassDeps,
  a: { publish: PublishConfig; state: PagePublishState; target: TargetResolver; res: PublishPassResult },
): Promise<Step> {
  const { publish, res } = a;
  let state = a.state;
  const p = () => state.publication as Publication;
  const finish = (s: PagePublishState): Step => {
    const pub = s.publication as Publication;
    if (pub.status === 'failed') {
      res.failed += 1;
      res.errors.push({ pageId: s.pageId, property: 'publish', reason: pub.error ?? 'failed' });
      deps.log?.('error', 'publication failed', { tenantId: deps.tenantId, pageId: s.pageId, reason: pub.error });
    }
    if (['sent', 'scheduled', 'failed', 'created', 'cancelled'].includes(pub.status)) {
      report(res.summary, {
        pageId: s.pageId,
        title: pub.title ?? '',
        version: pub.version,
        status: pub.status as PublishedCampaign['status'],
        ...(pub.campaignId === undefined ? {} : { campaignId: pub.campaignId }),
        ...(pub.scheduledAt ? { scheduledAt: pub.scheduledAt } : {}),
        ...(pub.error ? { error: pub.error } : {}),
        ...(pub.warnings?.length ? { warnings: pub.warnings } : {}),
      });
    }
    // What the email left out (a Notion-hosted image…) is said where the run is read: the pass's
    // warnings (summary, --json, status), once per campaign made.
    if (['sent', 'scheduled', 'created'].includes(pub.status)) {
      for (const w of pub.warnings ?? []) res.warnings.push(`"${pub.title ?? s.pageId}": ${w}`);
    }
    if (pub.status === 'sent' || pub.status === 'scheduled') {
      deps.log?.('info', `campaign ${pub.campaignId} ${pub.status}`, {
        tenantId: deps.tenantId,
        pageId: s.pageId,
        version: pub.version,
        campaignId: pub.campaignId,
        scheduledAt: pub.scheduledAt,
      });
    }
    return { kind: 'done', state: s };
  };
  /** Writes a change of this publication; undefined when another writer changed the record. */
  const save = async (
    change: Partial<Publication>,
    page?: Pick<PagePublishState, 'inState' | 'changedAt'>,
  ): Promise<PagePublishState | undefined> => {
    const next: PagePublishState = {
      ...state,
      ...page,
      publication: { ...p(), ...change, updatedAt: new Date(deps.clock.now()).toISOString() },
      rev: state.rev + 1,
    };
    if (!(await deps.publications.putPublishState(next, state.rev))) return undefined;
    state = next;
    return next;
  };
  const fail = async (error: string): Promise<Step> => {
    const s = await save({ status: 'failed', error, notBefore: undefined });
    return s ? finish(s) : { kind: 'busy' };
  };
  /** A transient failure: try again later (backoff grows with the attempts). */
  const retryLater = async (err: unknown, status: Publication['status']): Promise<Step> => {
    const attempts = p().attempts + 1;
    const wait = Math.min(6 * 3_600_000, 5 * 60_000 * 2 ** (attempts - 1));
    await save({
      status,
      attempts,
      error: reasonOf(err),
      notBefore: new Date(deps.clock.now() + wait).toISOString(),
    });
    wake(res, deps.clock.now() + wait);
    report(res.summary, {
      pageId: state.pageId,
      title: p().title ?? '',
      version: p().version,
      status: 'deferred',
      error: `${reasonOf(err)}; retried at ${new Date(deps.clock.now() + wait).toISOString()}`,
    });
    deps.log?.('warn', 'publication will be retried', {
      tenantId: deps.tenantId,
      pageId: state.pageId,
      reason: reasonOf(err),
      retryInMs: wait,
    });
    return { kind: 'busy' };
  };
  const deferred = (err: RateLimitedError): Step => ({
    kind: 'deferred',
    retryInMs: err.retryAfterMs,
    reason: budgetReason(err),
  });

  // The page as it is now: it may have left the state (or the workspace) since it was seen.
  const page = await deps.notion.getPage(state.pageId);
  res.pagesRead += 1;
  if (!page || !isInState(page, publish)) {
    const draft = p().campaignId === undefined ? '' : `; draft campaign ${p().campaignId} stays in Brevo`;
    const s = await save(
      {
        status: 'cancelled',
        error: `${page ? 'the page left the publish state' : 'the page is no longer shared with the integration'} before its campaign was sent${draft}`,
      },
      // Seen out of the state: coming back later is a new entry, as if the sync had seen it. A page
      // we cannot see is left as it was (shared again, still published, it is not sent twice).
      page ? { inState: false, changedAt: new Date(deps.clock.now()).toISOString() } : undefined,
    );
    if (s) res.summary.cancelled += 1;
    return s ? finish(s) : { kind: 'busy' };
  }

  // Whether the send's call was reserved with the creation's (create + send are reserved together).
  let sendReserved = false;
  try {
    if (p().status === 'creating' || p().status === 'pending') {
      // Looked for before every creation: the creation may have reached Brevo without its answer
      // reaching us, and another state of the same Brevo account (a second local state, a restored
      // table) may have sent this page version already. Its marker names it whatever the title.
      const budget = await deps.brevo.reserveOtherCalls(1, SYNC_RESERVED_CALLS);
      if (!budget.ok) return { kind: 'deferred', retryInMs: budget.retryInMs, reason: budgetAnswerReason(budget) };
      const found = await deps.brevo.findRecentCampaign(campaignMarker(page.id, p().version));
      if (found) {
        const status = found.status === 'draft' ? 'created' : p().scheduledAt ? 'scheduled' : 'sent';
        const s = await save({ status, campaignId: found.id, error: undefined, notBefore: undefined });
        if (!s) return { kind: 'busy' };
        if (status !== 'created') return finish(s);
      }
    }

    if (p().status === 'pending' || p().status === 'creating') {
      const listId = await a.target.listId();
      if (typeof listId === 'string') return await fail(listId);
      const sender = await a.target.resolveSender();
      if ('error' in sender) return await fail(sender.error);

      const title = titleOf(page) || 'Untitled';
      let tree: Awaited<ReturnType<typeof loadBlockTree>>;
      try {
        tree = await loadBlockTree((id, cursor, size) => deps.notion.listBlockChildren(id, cursor, size), page.id, {
          maxRequests: MAX_CONTENT_REQUESTS,
        });
      } catch (err) {
        if (err instanceof BlockTreeLimitError) return await fail(`the page is too large for an email: ${err.message}`);
        if (err instanceof ProviderError && err.provider === 'notion' && [403, 404].includes(err.status)) {
          return await fail(`the page's content cannot be read: ${err.message}`);
        }
        if (err instanceof RateLimitedError) throw err;
        return await retryLater(err, p().status);
      }
      const email = renderEmailHtml({ title, url: page.url }, tree.blocks, {
        ...(publish.footer_text ? { footerText: publish.footer_text } : {}),
      });
      const scheduledAt = scheduledAtOf(page, publish, deps.clock.now());
      const budget = await deps.brevo.reserveOtherCalls(scheduledAt ? 1 : 2, SYNC_RESERVED_CALLS);
      if (!budget.ok) {
        if (p().status === 'creating') {
          // Looked for and not found: nothing exists in Brevo, the next attempt need not look again.
          await save({ status: 'pending' });
        }
        return { kind: 'deferred', retryInMs: budget.retryInMs, reason: budgetAnswerReason(budget) };
      }
      const name = campaignName(title, page.id, p().version);
      const subject = subjectOf(page, publish);
      const warnings = [...tree.warnings, ...email.warnings];
      // Recorded before the POST: from here on, a campaign may exist that we have no id for.
      const creating = await save({
        status: 'creating',
        campaignName: name,
        subject,
        title,
        ...(scheduledAt ? { scheduledAt } : { scheduledAt: undefined }),
        ...(warnings.length ? { warnings: warnings.slice(0, 20) } : {}),
      });
      if (!creating) return { kind: 'busy' };
      let id: number;
      try {
        id = await deps.brevo.createEmailCampaign({
          name,
          subject,
          sender: sender.sender,
          htmlContent: email.html,
          listIds: [listId],
          ...(scheduledAt ? { scheduledAt } : {}),
          ...(publish.reply_to ? { replyTo: publish.reply_to } : {}),
        });
      } catch (err) {
        if (err instanceof RateLimitedError) {
          // A 429 (or our budget) means Brevo did not create it: back to pending, no lookup needed.
          await save({ status: 'pending' });
          return deferred(err);
        }
        if (isRefusal(err)) return await fail(explainRefusal(err, 'create'));
        return await retryLater(err, 'creating');
      }
      const created = await save({
        status: scheduledAt ? 'scheduled' : 'created',
        campaignId: id,
        error: undefined,
        notBefore: undefined,
        attempts: 0,
      });
      if (!created) {
        // Another writer changed the record meanwhile (the page left the state): keep the id.
        const current = await deps.publications.getPublishState(deps.tenantId, state.databaseId, state.pageId);
        if (current?.publication?.version === p().version && current.publication.campaignId === undefined) {
          state = current;
          await save({ campaignId: id });
        }
        return { kind: 'busy' };
      }
      if (scheduledAt) return finish(created);
      sendReserved = true;
    }

    if (p().status === 'created') {
      const id = p().campaignId as number;
      if (!sendReserved) {
        const budget = await deps.brevo.reserveOtherCalls(1, SYNC_RESERVED_CALLS);
        if (!budget.ok) return { kind: 'deferred', retryInMs: budget.retryInMs, reason: budgetAnswerReason(budget) };
      }
      try {
        await deps.brevo.sendCampaignNow(id);
      } catch (err) {
        if (err instanceof RateLimitedError) return deferred(err);
        if (err instanceof ProviderError && err.status === 404) {
          return await fail(`campaign ${id} no longer exists in Brevo (deleted before it was sent)`);
        }
        if (err instanceof ProviderError && err.status === 400) {
          // Already sent (a crash after sendNow, before we recorded it) answers 400 too: ask.
          const campaign = await deps.brevo.getEmailCampaign(id);
          if (['sent', 'queued', 'in_process'].includes(campaign.status)) {
            const s = await save({ status: 'sent', error: undefined, notBefore: undefined });
            return s ? finish(s) : { kind: 'busy' };
          }
          return await fail(explainRefusal(err, 'send'));
        }
        if (isRefusal(err)) return await fail(explainRefusal(err, 'send'));
        return await retryLater(err, 'created');
      }
      const s = await save({ status: 'sent', error: undefined, notBefore: undefined });
      return s ? finish(s) : { kind: 'busy' };
    }
    return { kind: 'busy' };
  } catch (err) {
    // Budget spent or Brevo's 429 on a lookup: the publication stays where it is.
    if (err instanceof RateLimitedError && err.provider === 'brevo') return deferred(err);
    throw err;
  }
}

/** A 4xx Brevo answer other than 429: retrying the same request cannot succeed. */
function isRefusal(err: unknown): err is ProviderError {
  return err instanceof ProviderError && err.provider === 'brevo' && err.status >= 400 && err.status < 500;
}

function explainRefusal(err: ProviderError, what: 'create' | 'send'): string {
  if (err.status === 402) return `Brevo refused to ${what} the campaign: not enough email credits (${err.message})`;
  if (/sender/i.test(err.message)) {
    return `Brevo refused the sender: it is unknown or not verified (${err.message}); verify it in Brevo, then publish the page again`;
  }
  return `Brevo refused to ${what} the campaign: ${err.message}`;
}

const BUDGET_SPENT = "Brevo's hourly budget of campaign calls is spent (100 an hour on its 'other' endpoints)";
const RATE_LIMITED = 'Brevo answered 429 (rate limited) on campaign calls';

function budgetReason(err: RateLimitedError): string {
  return err instanceof BudgetExhaustedError ? BUDGET_SPENT : RATE_LIMITED;
}

function budgetAnswerReason(answer: { reason: 'exhausted' | 'rate_limited'; used: number }): string {
  return answer.reason === 'exhausted' ? `${BUDGET_SPENT}, ${answer.used} used this hour` : RATE_LIMITED;
}

// ================================================================== the recorded pass

/** Why a publishing pass's pages are not contacts (its run record's skip reason). */
export const PUBLISH_PASS_SKIP = 'pages read to publish as campaigns, not contacts';

/**
 * A publishing pass with a run record (`job: publish`) that `tajo connectors status notion` shows:
 * the campaigns (page → campaign id, status), what waits for the budget, what failed. A pass with
 * nothing to do leaves no record.
 */
export async function runPublishRecorded(
  deps: PublishPassDeps & { runs: RunStore; stats?: { notion: { requests: number }; brevo: { requests: number } } },
  args: { trigger: RunRecord['trigger']; runId?: string },
): Promise<{ run?: RunRecord; result: PublishPassResult }> {
  const startedAt = deps.clock.now();
  const before = { notion: deps.stats?.notion.requests ?? 0, brevo: deps.stats?.brevo.requests ?? 0 };
  const base = {
    tenantId: deps.tenantId,
    connector: 'notion' as const,
    job: 'publish' as const,
    runId: args.runId ?? newRunId(deps.clock),
    mode: 'incremental' as const,
    trigger: args.trigger,
    startedAt: new Date(startedAt).toISOString(),
  };
  let result: PublishPassResult;
  try {
    result = await publishPending(deps);
  } catch (err) {
    if (err instanceof RateLimitedError) throw err; // the lane parks and retries the pass
    const run: RunRecord = {
      ...base,
      status: 'failed',
      finishedAt: new Date(deps.clock.now()).toISOString(),
      summary: { ...emptySummary('incremental'), publish: emptyPublishSummary() },
      error: reasonOf(err),
    };
    await deps.runs.putRun(run);
    throw err;
  }
  if (!result.worked) return { result };
  // The pass reads pages to make campaigns, never contacts: those not failed are skipped with that
  // reason, so its counts add up like a sync's (shared/core/runs/counts.ts).
  const published = Math.max(0, result.pagesRead - result.failed);
  const summary = {
    ...emptySummary('incremental'),
    pagesRead: result.pagesRead,
    failed: result.failed,
    skipped: published,
    skips: published > 0 ? [{ reason: PUBLISH_PASS_SKIP, count: published }] : [],
    errors: result.errors,
    warnings: result.warnings,
    notionRequests: (deps.stats?.notion.requests ?? 0) - before.notion,
    brevoRequests: (deps.stats?.brevo.requests ?? 0) - before.brevo,
    durationMs: deps.clock.now() - startedAt,
    publish: result.summary,
  };
  const run: RunRecord = {
    ...base,
    status: 'succeeded',
    finishedAt: new Date(deps.clock.now()).toISOString(),
    summary,
  };
  await deps.runs.putRun(run);
  return { run, result };
}
