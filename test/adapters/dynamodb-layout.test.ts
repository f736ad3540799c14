/**
 * The DynamoDB table's layout, pinned: the key (and GSI key) every repository writes. Data written
 * before a change must read back after it, so a key that moves here is a migration, not a refactor.
 * Verified equal to the single-class store's layout when the repositories were split out of it.
 */
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { RuleRunRecord, RunRecord } from '../../shared/core/ports';
import { freshStore } from '../support/stores';

test('every port writes under its own key prefix, the tenant first (the Slack team claim and the API key index aside)', async () => {
  const { store, client, table } = await freshStore();
  const t = 'acme';
  await store.putTenant({ tenantId: t, apiKeyHash: 'h', createdAt: '2026-01-01T00:00:00Z' });
  await store.putConnection({
    tenantId: t,
    connector: 'notion',
    settings: {} as never,
    tokenRef: 'r',
    brevoApiKeyRef: 'b',
    integrationKey: 'k',
    createdAt: 'x',
    updatedAt: 'y',
  });
  await store.putOAuthState({
    tenantId: t,
    connector: 'slack',
    stateHash: 'sh',
    redirectUri: 'u',
    createdAt: 'c',
    expiresAt: '2026-01-01T00:00:00Z',
  });
  await store.claimSlackTeam({ isEnterpriseInstall: false, teamId: 'T1', tenantId: t, createdAt: 'x' });
  await store.putThread(t, 'C1', 'k', '1.2');
  await store.markPosted(t, 'C1', 'e1');
  await store.addPendingPost(t, 'C1', 'e2', '{}', 100);
  await store.recordSlackDelivery(t, { at: 'x', channelId: 'C1', eventType: 'a', events: 1, status: 'posted' });
  await store.putNotionWebhook({ tenantId: t, pendingRef: 'p' });
  await store.addPendingPage(t, { pageId: 'p1', types: ['a'], propertyIds: [], authors: [] }, 100);
  await store.claimMarker(t, 'm', 100);
  await store.claimDelivery(t, 'shopify', 'd1', 100);
  await store.recordOrder(t, 'A@b.c', '2026-01-01');
  await store.putCursor(t, 'notion', { sourceId: 's', updatedAt: 'u' });
  await store.putFingerprints(t, 'notion', 's', [
    { rowId: 'r1', fp: 'f', identifier: 'i', identifierType: 'email_id' },
  ]);
  // Only the keys matter here: records carry just the fields their keys are made of.
  await store.putRun({ tenantId: t, connector: 'notion', runId: 'r1', startedAt: '2026-01-01T00:00:00Z' } as RunRecord);
  await store.putRuleRun({ tenantId: t, runId: 'rr', startedAt: '2026-01-01T00:00:00Z' } as RuleRunRecord);
  await store.putPageWrite({
    tenantId: t,
    databaseId: 'd',
    pageId: 'p',
    lastEditedTime: 'l',
    propertiesHash: 'h',
    values: {},
    rule: 'r',
    writtenAt: '2026-01-01T00:00:00Z',
  });
  await store.putPublishState({ tenantId: t, databaseId: 'd', pageId: 'p', rev: 1 } as never, undefined);
  await store.takeCalls(t, 'bk', { window: 'w1', n: 1, limit: 10, now: Date.now(), ttlSeconds: 100 });
  await store.takeSlot(t, 'notion:ik', { now: Date.now(), intervalMs: 334, maxAheadMs: 1000, ttlSeconds: 100 });
  await store.putImportedDocument({ tenantId: t, pageId: 'p' } as never);
  await store.recordCart(t, 'shopify:tok', '2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z');
  await store.putSkill({ tenantId: t, skill: 'abandoned-cart', enabled: true, settings: {}, updatedAt: 'x' });
  await store.putDefinition({
    tenantId: t,
    name: 'acmeshop',
    version: '1',
    definition: {},
    hash: 'h',
    createdAt: 'x',
    updatedAt: 'x',
  });

  const scan = await DynamoDBDocumentClient.from(client).send(new ScanCommand({ TableName: table }));
  const keys = (scan.Items ?? [])
    .map((i) => [i.pk, i.sk, i.gsi1pk, i.gsi1sk].filter((k) => k !== undefined).join(' | '))
    .sort();
  expect(keys).toEqual(
    [
      // GET /me: an API key's hash finds its tenant (a lookup by the key, so not under the tenant).
      'APIKEY#h | APIKEY',
      'SLACKTEAM#W:T1 | SLACKTEAM',
      'T#acme | BUDGET#bk',
      'T#acme | CARTDONE#shopify:tok',
      'T#acme | CARTSEEN#shopify:tok',
      'T#acme | DEFINITION#acmeshop',
      'T#acme | SKILL#abandoned-cart',
      'T#acme | CONN#notion | CONN#notion | T#acme',
      'T#acme | CURSOR#notion#s',
      'T#acme | DELIVERY#shopify#d1',
      'T#acme | DOC#notion#p',
      'T#acme | MARK#m',
      'T#acme | NPAGE#p1',
      'T#acme | NWEBHOOK',
      'T#acme | NWRITE#d#p',
      'T#acme | OAUTHSTATE#sh',
      'T#acme | ORDER#a@b.c',
      'T#acme | PACE#notion:ik',
      'T#acme | POSTED#C1#e1',
      'T#acme | PUB#d#p',
      'T#acme | RULERUN#rr',
      'T#acme | RUN#notion#r1',
      'T#acme | SLACKDELIVERIES',
      'T#acme | SLACKTEAM#W:T1',
      'T#acme | SPEND#C1#e2',
      'T#acme | TENANT',
      'T#acme | THREAD#C1#k',
      'T#acme#FP#notion#s | B#115',
    ].sort(),
  );
});
