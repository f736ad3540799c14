/**
 * `tajo connectors test notion`: five checks a person can act on, in the style of the Slack test.
 * Each says what was checked and, when it fails, what to do in Notion: share a database with the
 * integration, add a capability. Read-only unless the admin allows the one write (page creation).
 */
import type { BrevoClient } from '../../core/brevo/client';
import type { CheckResult } from '../../core/connection-check';
import { ConfigError, ProviderError, reasonOf, UnreachableError } from '../../core/errors';
import { newStats } from '../../core/http/paced-fetch';
import { integrationKey } from '../../core/integration-key';
import type { CallBudgetStore, Clock } from '../../core/ports';
import { NotionGateway, notionPacer } from './client';
import type { NotionConnectorConfig } from './config-schema';
import { databaseMapping, isPublishOnly, mappedProperties } from './mapping/database-mapping';
import { notionReadOnly } from './read-only';
import { buildPlan } from './sync/mapping-plan';
import { NO_EMAIL_CAPABILITY_WARNING, NO_USER_CAPABILITY_MESSAGE } from './users-sync';

/** The five checks, named and ordered as the Notion docs page prints them (the --json `name`s). */
export const NOTION_CHECKS = [
  'API authentication successful',
  'Database access verified',
  'User list accessible',
  'Search operational',
  'Page creation available',
] as const;
const [AUTH, DATABASES, USERS, SEARCH, PAGE_CREATION] = NOTION_CHECKS;

/** The title of the row the page-creation check writes (and trashes at once). */
export const TEST_PAGE_TITLE = 'Tajo connection check (trashed at once)';

const CAPABILITIES_AT = 'Notion → Settings → Integrations → the integration → Capabilities';

export async function testNotionConnection(args: {
  token: string;
  settings: Omit<NotionConnectorConfig, 'token'>;
  baseUrl?: string;
  clock: Clock;
  /** The admin allows the one write: a row created in the first database, then trashed. */
  createPage: boolean;
  /** How the connection was made: the advice for a refused token differs. */
  auth?: 'token' | 'oauth';
  /** A stored connection's schedule (its lane's): the test's calls take their slots beside its syncs. */
  schedule?: { store: CallBudgetStore; tenantId: string; integrationKey: string };
  /**
   * The Brevo account the sync writes to: its attributes let "Database access verified" run the
   * sync's own mapping checks (a property whose type cannot reach its attribute fails here too).
   */
  brevo?: Pick<BrevoClient, 'readAttributes'>;
}): Promise<CheckResult[]> {
  const notion = new NotionGateway({
    token: args.token,
    apiVersion: args.settings.api_version,
    baseUrl: args.baseUrl,
    clock: args.clock,
    // The integration's schedule: a test beside a running sync stays within 3 req/s.
    pacer: notionPacer({
      notionKey: args.schedule?.integrationKey ?? integrationKey('notion', args.token),
      clock: args.clock,
      ...(args.schedule ? { shared: { store: args.schedule.store, tenantId: args.schedule.tenantId } } : {}),
    }),
    stats: newStats(),
    // A read-only connection's promise holds here too: the gateway refuses any write.
    readOnly: notionReadOnly(args.settings),
  });
  const results: CheckResult[] = [];

  // 1. Authentication: the token names a bot user in a workspace.
  let integration = 'the integration';
  try {
    const me = await notion.me();
    if (me.name) integration = `"${me.name}"`;
    results.push({
      name: AUTH,
      ok: true,
      detail: `integration ${integration}${me.workspaceName ? ` in workspace ${me.workspaceName}` : ''}`,
    });
  } catch (err) {
    const detail =
      err instanceof ProviderError && err.status === 401
        ? args.auth === 'oauth'
          ? 'Notion rejected the OAuth access token (401): it is refreshed when the connection is next used (a sync); if this persists, install again (POST .../connections/notion/oauth)'
          : 'Notion rejected the token (401): copy the internal integration secret (ntn_...) from Notion → Settings → Integrations, or reconnect'
        : reasonOf(err);
    results.push({ name: AUTH, ok: false, detail });
    // Why the others were not run: a refused token, or a Notion that never answered.
    const why =
      err instanceof UnreachableError
        ? 'Notion is unreachable'
        : err instanceof ProviderError && err.status === 401
          ? 'the token does not work'
          : 'the first check failed';
    for (const name of NOTION_CHECKS.slice(1)) {
      results.push({ name, ok: false, skipped: true, detail: `not checked: ${why}` });
    }
    return results;
  }

  // The sync's mapping checks need the Brevo attributes (types); without them only names are checked.
  let brevoAttributes: Awaited<ReturnType<BrevoClient['readAttributes']>> | undefined;
  let brevoNote = args.brevo ? '' : '; attribute types not checked (no Brevo key given)';
  if (args.brevo) {
    try {
      brevoAttributes = await args.brevo.readAttributes();
    } catch (err) {
      brevoNote = `; attribute types not checked: ${reasonOf(err)}`;
    }
  }

  // 2. Database access: each configured database resolves, and the mapped properties exist.
  const problems: string[] = [];
  let firstSource: { id: string; title: string; titleProperty: string } | undefined;
  for (const db of args.settings.databases) {
    const label = db.name ? `${db.name} (${db.id})` : db.id;
    try {
      const resolved = await notion.resolveDatabase(db.id);
      const dbIndex = args.settings.databases.indexOf(db);
      for (const source of resolved.sources) {
        const schema = await notion.getSchema(source.id);
        // The connector's mapping is for every database: a property one lacks is skipped by the sync.
        const shared = databaseMapping(args.settings, db, dbIndex).source === 'connector';
        const missing = shared ? [] : mappedProperties(args.settings, db).filter((p) => !(p in schema));
        if (brevoAttributes && !isPublishOnly(db)) {
          // Exactly what the sync refuses before it writes anything (shared/connectors/notion/sync/mapping-plan.ts).
          const title =
            resolved.sources.length > 1 ? `${resolved.title} / ${source.name}` : (db.name ?? resolved.title);
          try {
            buildPlan({
              databaseIndex: dbIndex,
              database: db,
              connectorMapping: args.settings.field_mapping,
              title,
              schema,
              attributes: brevoAttributes.attributes,
              unsupported: brevoAttributes.unsupported,
              defaultCountryCode: args.settings.default_country_code,
            });
          } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            problems.push(`${label}: ${err.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
          }
        } else if (missing.length > 0) {
          problems.push(
            `${label}: no ${missing.map((m) => JSON.stringify(m)).join(', ')} propert${missing.length > 1 ? 'ies' : 'y'} (it has: ${Object.keys(schema).join(', ')})`,
          );
        }
        const titleProperty = Object.entries(schema).find(([, p]) => p.type === 'title')?.[0];
        if (!firstSource && titleProperty)
          firstSource = { id: source.id, title: db.name ?? resolved.title, titleProperty };
      }
    } catch (err) {
      problems.push(`${label}: ${databaseReason(err, integration)}`);
    }
  }
  const count = args.settings.databases.length;
  results.push(
    problems.length > 0
      ? { name: DATABASES, ok: false, detail: problems.join('; ') }
      : {
          name: DATABASES,
          ok: true,
          detail: count
            ? `${count} database${count > 1 ? 's' : ''} readable${brevoAttributes ? ', the mapping fits the Brevo attributes' : brevoNote}`
            : 'no database configured',
        },
  );

  // 3. User list: needed by sync.users; without it the other syncs still work.
  const usersNeeded = args.settings.sync.users;
  try {
    const page = await notion.listUsers({ pageSize: 100 });
    const people = page.users.filter((u) => u.type === 'person');
    const withEmail = people.filter((u) => u.person?.email).length;
    const noEmails = people.length > 0 && withEmail === 0;
    results.push({
      name: USERS,
      ok: !(noEmails && usersNeeded),
      detail: noEmails
        ? `${NO_EMAIL_CAPABILITY_WARNING}${usersNeeded ? '' : ' (needed only for sync.users)'}`
        : `${people.length}${page.hasMore ? '+' : ''} member${people.length === 1 ? '' : 's'} readable with their email`,
    });
  } catch (err) {
    const refused = err instanceof ProviderError && err.status === 403;
    results.push({
      name: USERS,
      ok: refused && !usersNeeded,
      detail: refused
        ? `${NO_USER_CAPABILITY_MESSAGE}${usersNeeded ? '' : ' (needed only for sync.users, which is off)'}`
        : reasonOf(err),
    });
  }

  // 4. Search: what the integration can see at all.
  try {
    const page = await notion.search({ pageSize: 100 });
    const n = page.results.length;
    results.push(
      n > 0
        ? {
            name: SEARCH,
            ok: true,
            detail: `${n}${page.hasMore ? '+' : ''} pages and databases shared with ${integration}`,
          }
        : {
            name: SEARCH,
            ok: false,
            detail: `nothing is shared with ${integration}: open each page or database to sync in Notion → ••• → Connections → add it`,
          },
    );
  } catch (err) {
    results.push({ name: SEARCH, ok: false, detail: reasonOf(err) });
  }

  // 5. Page creation, only when allowed: it writes to the workspace (a row, trashed at once).
  if (!args.createPage || !firstSource || notionReadOnly(args.settings)) {
    results.push({
      name: PAGE_CREATION,
      ok: true,
      skipped: true,
      detail: !firstSource
        ? 'not checked: no readable database to create a test row in'
        : notionReadOnly(args.settings)
          ? 'not checked: the connection is read-only (connectors.notion.read_only): nothing is written to Notion'
          : `not checked (it writes to Notion): allow it with --create-page to create a row in ${firstSource.title} and trash it at once`,
    });
    return results;
  }
  let pageId: string;
  try {
    pageId = await notion.createRow(firstSource.id, firstSource.titleProperty, TEST_PAGE_TITLE);
  } catch (err) {
    results.push({
      name: PAGE_CREATION,
      ok: false,
      detail:
        err instanceof ProviderError && err.status === 403
          ? `${integration} may not insert content: add the Insert content capability (${CAPABILITIES_AT})`
          : reasonOf(err),
    });
    return results;
  }
  try {
    await notion.trashPage(pageId);
    results.push({
      name: PAGE_CREATION,
      ok: true,
      detail: `created a row in ${firstSource.title} and moved it to the trash`,
    });
  } catch (err) {
    results.push({
      name: PAGE_CREATION,
      ok: false,
      detail: `created row ${pageId} in ${firstSource.title} but could not trash it (${
        err instanceof ProviderError && err.status === 403
          ? `add the Update content capability (${CAPABILITIES_AT})`
          : reasonOf(err)
      }): delete it by hand`,
    });
  }
  return results;
}

/** What to do about a database the integration cannot read. */
function databaseReason(err: unknown, integration: string): string {
  if (err instanceof ProviderError && err.code === 'object_not_found') {
    return `not shared with ${integration}: open the database in Notion → ••• → Connections → add it (or check the id)`;
  }
  if (err instanceof ProviderError && err.code === 'restricted_resource') {
    return `${integration} may not read content: add the Read content capability (${CAPABILITIES_AT})`;
  }
  return reasonOf(err);
}
