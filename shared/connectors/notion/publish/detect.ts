/** Publishing, detection: the sync sees pages enter and leave each rule's state (see publish.ts). */

import type { PublishSummary } from '../../../core/ports';
import { OPEN_PUBLICATION_STATUSES, type PagePublishState, type Publication } from '../../../core/ports/publications';
import type { NotionPage } from '../client';
import type { NotionDatabaseConfig, PublishConfig } from '../config-schema';
import type { NotionSyncContext, ReadSource } from '../sync/sync-context';
import { archived, normaliseId, type PublishDeps, publishSummaryOf, report } from './publish';
import { isInState, publishRuleIssues, ruleKey, titleOf } from './rule';

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
