/**
 * `tajo config validate`: what `sync` would refuse, before it is run. Offline, the file itself (the
 * schema, the references between keys: shared/app/config.ts). With --online, also what the sync
 * checks before it writes anything, with the same code and the same lines: each database resolves,
 * each mapped property exists with a type that can reach its Brevo attribute (buildPlan), the
 * attributes exist, and each list exists (an id) or is created on the first sync (a name).
 */

import { loadConfigFile } from '../shared/app/config';
import { resolveConnector } from '../shared/connectors';
import { sectionWarnings } from '../shared/connectors/custom';
import { readableResources, settingsOf } from '../shared/connectors/custom/connection';
import { NOTION_INTERVAL_MS, NotionGateway } from '../shared/connectors/notion/client';
import type { NotionConnectorConfig } from '../shared/connectors/notion/config-schema';
import {
  databaseMapping,
  describeMappingSource,
  isPublishOnly,
} from '../shared/connectors/notion/mapping/database-mapping';
import { notionReadOnly } from '../shared/connectors/notion/read-only';
import { buildPlan } from '../shared/connectors/notion/sync/mapping-plan';
import { pageEventIssues } from '../shared/connectors/notion/sync/page-changes';
import { type BrevoClient, brevoClientFor } from '../shared/core/brevo/client';
import { formatPath } from '../shared/core/config/path';
import type { TajoConfig } from '../shared/core/config/schema';
import { endpointsFromEnv } from '../shared/core/env';
import { ConfigError, failureReason, isInternalError, UnreachableError } from '../shared/core/errors';
import { newStats } from '../shared/core/http/paced-fetch';
import { integrationKey } from '../shared/core/integration-key';
import { providerLogging } from '../shared/core/logging/api-calls';
import { systemClock } from '../shared/core/ports';
import { sharedPacer } from '../shared/core/ratelimit/pacer';
import { isDefinitionSync } from './commands/platform-sync';
import type { Io } from './io';

type Issue = { path: string; message: string };

export interface ValidateOptions {
  file: string;
  /**
   * The schema checks against the providers: `auto` runs them when the providers answer (an
   * unreachable one is said, not fatal), `required` (--online) fails without them, `off` (--offline).
   */
  online: 'auto' | 'required' | 'off';
  json: boolean;
}

export async function validateConfig(opts: ValidateOptions, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const { file, json } = opts;
  let config: TajoConfig;
  let online: OnlineResult | undefined;
  let unreachable: string | undefined;
  try {
    config = await loadConfigFile(file, env);
    if (opts.online !== 'off') {
      try {
        online = await onlineChecks(config, env);
      } catch (err) {
        // Unreachable is not the file's fault: without --online the offline result stands, and says so.
        if (!(opts.online === 'auto' && err instanceof UnreachableError)) throw err;
        unreachable = failureReason(err);
      }
      if (online && online.issues.length > 0) throw new ConfigError(online.issues);
    }
  } catch (err) {
    // Without --json main prints the one line (the same line the sync prints for the same config).
    if (!json || isInternalError(err)) throw err;
    const issues = err instanceof ConfigError ? err.issues : [{ path: '', message: failureReason(err) }];
    io.out(JSON.stringify({ ok: false, file, issues }));
    return err instanceof ConfigError ? 2 : 1;
  }

  const notion = config.connectors.notion;
  const slack = config.connectors.slack;
  const databases = (notion?.databases ?? []).map((db, i) => {
    const m = databaseMapping(notion ?? {}, db, i);
    return {
      id: db.id,
      ...(db.name ? { name: db.name } : {}),
      mapping: m.source,
      mappingPath: formatPath(m.path),
      properties: Object.keys(m.mapping ?? {}).length,
    };
  });
  const logging = Object.fromEntries(
    [...(notion ? (['notion'] as const) : []), ...(slack ? (['slack'] as const) : []), 'brevo' as const].map((p) => [
      p,
      providerLogging(config, p),
    ]),
  );
  const slackCounts = slack
    ? { channels: Object.keys(slack.channels).length, routes: Object.keys(slack.notifications).length }
    : undefined;
  // Valid, but a switch that cannot do what it says with the rest of the config is said so.
  const warnings = [
    ...(notion ? pageEventIssues(notion).map((w) => `connectors.notion.${w}`) : []),
    ...(online?.warnings ?? []),
    ...definitionSettings(config).flatMap(({ name, settings }) =>
      sectionWarnings(settings.definition, { mode: settings.mode }).map((w) => `connectors.${name}: ${w}`),
    ),
  ];
  if (json) {
    io.out(
      JSON.stringify({
        ok: true,
        file,
        online: online?.checked === true,
        ...(unreachable ? { offlineBecause: unreachable } : {}),
        notionDatabases: databases.length,
        databases,
        ...(slackCounts ? { slack: slackCounts } : {}),
        logging,
        warnings,
        ...(online ? { lists: online.lists } : {}),
      }),
    );
    return 0;
  }
  for (const d of databases) {
    io.out(
      `  database ${d.name ?? d.id}: ${describeMappingSource(d.mapping)}` +
        (d.properties ? ` (${d.properties} propert${d.properties === 1 ? 'y' : 'ies'}, ${d.mappingPath})` : ''),
    );
  }
  for (const l of online?.lists ?? []) io.out(`  list ${l}`);
  for (const [p, l] of Object.entries(logging)) {
    if (l.level === 'info' && l.apiCalls === 'off' && !l.events) continue;
    io.out(
      `  logging ${p}: level ${l.level}, API calls ${l.apiCalls === 'off' ? 'not logged' : l.apiCalls === 'bodies' ? 'logged with bodies' : 'logged'}${l.events ? ', inbound events logged' : ''}`,
    );
  }
  const has = [
    ...(notion ? [`notion ${plural(databases.length, 'database')}`] : []),
    ...definitionConnectorLines(config),
    ...(slackCounts
      ? [`slack ${plural(slackCounts.channels, 'channel')}, ${plural(slackCounts.routes, 'notification route')}`]
      : []),
  ];
  io.out(
    `${file}: valid${online?.checked ? ', checked online' : ''}: ${has.length ? has.join('; ') : 'brevo only, no connector'}`,
  );
  if (opts.online === 'required' && online && !online.checked) {
    io.out(
      '  (--online reads the Notion databases the sync reads: none here; tajo connectors test slack checks Slack)',
    );
  }
  for (const w of warnings) io.out(`  warning: ${w}`);
  if (!online?.checked && notion && databases.length > 0 && notion.sync.databases) {
    const why = unreachable ? `checked offline: ${unreachable}` : 'checked offline (--offline)';
    io.out(
      `  (${why}; the schema checks the sync makes — properties, attribute types, lists — run when the providers answer, and --online requires them)`,
    );
  }
  return 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

interface OnlineResult {
  issues: Issue[];
  warnings: string[];
  /** Whether there was anything to check online (Notion databases the sync reads). */
  checked: boolean;
  /** What each sync_to_list resolves to: "Newsletter: exists (id 3)", "Leads: created by the first sync". */
  lists: string[];
}

/**
 * The sync's checks before its first write (shared/connectors/notion/sync/sync-step.ts prepare, resolveLists), on
 * the providers the config names, reading only. Each database's problems are its own issues, so one
 * run of validate names them all where the sync stops at the first.
 */
async function onlineChecks(config: TajoConfig, env: NodeJS.ProcessEnv): Promise<OnlineResult> {
  const result: OnlineResult = { issues: [], warnings: [], lists: [], checked: false };
  const notion = config.connectors.notion;
  if (!notion || notion.databases.length === 0 || !notion.sync.databases) return result;
  result.checked = true;
  const endpoints = endpointsFromEnv(env);
  const gateway = new NotionGateway({
    token: notion.token,
    apiVersion: notion.api_version,
    baseUrl: endpoints.notionBaseUrl,
    clock: systemClock,
    pacer: sharedPacer(integrationKey('notion', notion.token), NOTION_INTERVAL_MS, systemClock),
    stats: newStats(),
    readOnly: notionReadOnly(notion),
  });
  const brevo = brevoClientFor({ apiKey: config.brevo.api_key, baseUrl: endpoints.brevoBaseUrl, clock: systemClock });
  // A refused key or an unreachable provider is the sync's own fatal line: thrown as it is.
  const contactDbs = notion.databases.some((db) => !isPublishOnly(db));
  const read = contactDbs ? await brevo.readAttributes() : { attributes: [], unsupported: [] };
  await checkLists(brevo, notion, result);
  for (const [i, db] of notion.databases.entries()) {
    let resolved: Awaited<ReturnType<NotionGateway['resolveDatabase']>>;
    try {
      resolved = await gateway.resolveDatabase(db.id);
    } catch (err) {
      if (isInternalError(err)) throw err;
      result.issues.push({ path: `connectors.notion.databases[${i}].id`, message: failureReason(err) });
      continue;
    }
    for (const s of resolved.sources) {
      const title = resolved.sources.length > 1 ? `${resolved.title} / ${s.name}` : (db.name ?? resolved.title);
      const schema = await gateway.getSchema(s.id);
      if (isPublishOnly(db)) continue;
      try {
        const plan = buildPlan({
          databaseIndex: i,
          database: db,
          connectorMapping: notion.field_mapping,
          title,
          schema,
          attributes: read.attributes,
          unsupported: read.unsupported,
          defaultCountryCode: notion.default_country_code,
        });
        result.warnings.push(...plan.warnings);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        result.issues.push(...err.issues);
      }
    }
  }
  return result;
}

/** sync_to_list: an id must exist (the sync refuses it otherwise); a name is found or created. */
async function checkLists(brevo: BrevoClient, notion: NotionConnectorConfig, result: OnlineResult): Promise<void> {
  const refs = notion.databases.map((db, i) => ({ ref: db.sync_to_list, i }));
  if (refs.every((r) => r.ref === undefined)) return;
  const lists = await brevo.listLists();
  for (const { ref, i } of refs) {
    if (ref === undefined) continue;
    const found =
      typeof ref === 'number'
        ? lists.find((l) => l.id === ref)
        : lists.find((l) => l.name.toLowerCase() === ref.toLowerCase());
    if (found) result.lists.push(`${found.name}: exists (id ${found.id})`);
    else if (typeof ref === 'string') result.lists.push(`${ref}: created by the first sync`);
    else {
      result.issues.push({
        path: `connectors.notion.databases[${i}].sync_to_list`,
        message: `Brevo has no list with id ${ref} (its lists: ${lists.map((l) => `${l.id} ${l.name}`).join(', ') || 'none'}): give an existing id or a list name`,
      });
    }
  }
}

/** The definition connectors' sections of a config, as their connections would keep them. */
function definitionSettings(config: TajoConfig) {
  return Object.entries(config.connectors as Record<string, unknown>).flatMap(([name, section]) => {
    const hooks = resolveConnector(name)?.connection;
    if (!section || !isDefinitionSync(name) || !hooks) return [];
    const split = hooks.connect.split(section).settings as { enabled: boolean };
    return [{ name, settings: settingsOf({ connector: name, settings: split }) }];
  });
}

/** Each definition connector's section as validate says it: its mode and the resources a sync reads. */
function definitionConnectorLines(config: TajoConfig): string[] {
  return definitionSettings(config).map(({ name, settings }) => {
    const resources = readableResources(settings.definition, settings.sync);
    return `${name} mode ${settings.mode}, ${plural(resources.length, 'resource')} (${resources.join(', ') || 'none'})`;
  });
}
