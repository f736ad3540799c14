/** Publishing, the pass (its own lane message): open publications become Brevo campaigns (see publish.ts). */
import type { BrevoSender } from '../../../core/brevo/campaigns';
import type { BrevoClient } from '../../../core/brevo/client';
import { BudgetExhaustedError, ProviderError, RateLimitedError, reasonOf } from '../../../core/errors';
import type { PublishedCampaign, PublishSummary, RowError, RunRecord, RunStore } from '../../../core/ports';
import { OPEN_PUBLICATION_STATUSES, type PagePublishState, type Publication } from '../../../core/ports/publications';
import { emptySummary, newRunId } from '../../../core/runs/summary';
import type { NotionGateway } from '../client';
import type { PublishConfig } from '../config-schema';
import { renderEmailHtml } from '../content/email-html';
import { BlockTreeLimitError, loadBlockTree } from '../content/load';
import {
  emptyPublishSummary,
  MAX_CONTENT_REQUESTS,
  normaliseId,
  PUBLISH_RESERVE_MS,
  type PublishDeps,
  report,
  SYNC_RESERVED_CALLS,
} from './publish';
import { campaignMarker, campaignName, isInState, scheduledAtOf, subjectOf, titleOf } from './rule';

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
